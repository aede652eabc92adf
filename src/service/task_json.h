// Tasks, runs and logs as the REST API writes and reads them (JSON).
//
// A task spec:
//   {"name": "nightly", "schedule": "rate(1 hour)", "mode": "sync",
//    "source": "s3://src/data/", "destination": "s3://dst/copy/",
//    "source_endpoint": {"endpoint": "https://...", "region": "...", "path_style": true,
//                        "no_sign_request": false, "profile": "", "secret": "",
//                        "credential": "stored-name"},
//    "destination_endpoint": {...},
//    "options": {"delete": false, "dry_run": false, "allow_empty_source": false,
//                "max_delete": "10%", "compare": "size-etag",
//                "filters": [{"include": "*.jpg"}, {"exclude": "tmp/*"}],
//                "prefixes": ["a/"], "modified_after": "2026-01-01",
//                "modified_before": "", "storage_class": "", "sse": "", "sse_kms_key_id": "",
//                "acl": "", "no_metadata": false, "tags": false, "request_payer": false,
//                "multipart_threshold": "200M", "part_size": "", "transfers": 256,
//                "memory": "256M", "bwlimit": "", "max_attempts": 5},
//    "notify": {"webhook": "https://...", "sns_topic_arn": "arn:aws:sns:...",
//               "sns_region": "", "sns_endpoint": "", "sns_credential": ""}}
// Only source and destination are required. Unknown fields are errors.
//
// "kind": "s3" is the default (the shape above). "kind": "images" copies
// container images between registries and takes another shape:
//   {"kind": "images", "name": "...", "schedule": "...",
//    "source": "HOST[:PORT]/REPO[:TAG]", "destination": "HOST[:PORT]/REPO",
//    "images": {"tags": ["v1", "release-*"], "list": ["app:1", "tools"],
//               "all_repos": false, "insecure_source": false, "insecure_destination": false,
//               "transfers": 8, "max_attempts": 3,
//               "src_credential": "stored-name", "dst_credential": "stored-name"},
//    "notify": {...}}
// where the S3 fields (mode, *_endpoint, options, trigger, fleet) are refused by name.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "service/task.h"

namespace ferry::service {

// The shape and types of `j`; errors name the field ("options.transfers must be
// an integer"). Meaning is checked by CheckTaskSpec.
Result<TaskSpec> TaskSpecFromJson(const nlohmann::json& j);
nlohmann::json TaskSpecToJson(const TaskSpec& spec);

// With `show_secrets` false (anyone but the task's owner and admins), the
// webhook URL is shown redacted (RedactUrl).
nlohmann::json TaskToJson(const Task& task, bool show_secrets = true);
// scheme://host[:port]/path of a URL: user information, query and fragment
// left out, as they may carry passwords and tokens.
std::string RedactUrl(const std::string& url);
nlohmann::json ProgressToJson(const RunProgress& progress);
Result<RunProgress> ProgressFromJson(const nlohmann::json& j);
nlohmann::json RunToJson(const Run& run);
nlohmann::json LogToJson(const LogEntry& entry);

}  // namespace ferry::service
