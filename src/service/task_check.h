// Whether a task spec can run on this server, checked when it is created or
// updated (so that a bad spec is refused with a clear message instead of
// failing at its first run) and again before each run: schedule, options,
// locations, named endpoints, local folders (only under the server's
// --local-root), URLs and targets, and whose credentials it may use.
//
// Credentials: a stored credential may be used only by its owner or an admin,
// and only for an endpoint it is bound to. The server's own credentials (its
// environment, profiles, instance role), secret files on the server and
// profile names are not lent to tasks, unless the server was started with
// --allow-server-credentials, and then to admins' tasks only. A named endpoint
// from the config file keeps its URL: a task cannot point it elsewhere.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "job/config_file.h"
#include "net/target_policy.h"
#include "service/account_store.h"
#include "service/credential_store.h"
#include "service/task.h"

namespace ferry::service {

struct TaskCheckContext {
  job::EndpointConfigs configs;  // named endpoints (the server's --config)
  std::string config_path;
  std::string local_root;  // canonical folder; "" = local folders are refused
  // --allow-server-credentials: admins' tasks may use the server's own credentials.
  bool allow_server_credentials = false;
  // Refuses IP literals the server may not connect to (names are checked when connected).
  std::shared_ptr<const net::TargetPolicy> targets;
  // The stored credential `name`: owner and endpoints. NotFound when missing.
  std::function<Result<CredentialInfo>(const std::string& name)> credential_info;
  // The role of `username` now; NotFound when the user is gone.
  std::function<Result<Role>(const std::string& username)> role_of;
};

// Who saves a task (or, before a run, who saved it last).
struct TaskActor {
  std::string username;
  Role role = Role::kViewer;
};

Status CheckTaskSpec(const TaskSpec& spec, const TaskCheckContext& context,
                     const TaskActor& actor);

// The local folder `path` if it lies inside `root` (both made absolute and
// normal); InvalidArgument otherwise.
Status CheckInsideRoot(const std::string& path, const std::string& root, Side side);

// The endpoint a side's S3 client will talk to, resolved as MakeS3Client does:
// the settings, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else Amazon S3 in the
// region (AWS_REGION, AWS_DEFAULT_REGION, us-east-1).
std::string EffectiveS3Endpoint(const job::EndpointSettings& settings);

}  // namespace ferry::service
