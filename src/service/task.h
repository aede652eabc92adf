// A server task: what to replicate (a SyncSpec), when (a Schedule), who to tell
// when objects fail, and where it is in its lifecycle:
//
//   Created --start--> Running --> Completed          (once)
//                         |  ^---> Waiting --fire--+   (rate, cron)
//                         |        ^---------------+
//                         +--> Failed (reason)      (once: a fatal error)
//   any --stop--> Stopped; Stopped, Completed, Failed --start--> Running again
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "job/image_spec.h"
#include "job/sync_spec.h"

namespace ferry::service {

enum class TaskState { kCreated, kRunning, kWaiting, kCompleted, kStopped, kFailed };
enum class RunState { kRunning, kCompleted, kFailed, kStopped };

const char* TaskStateName(TaskState state);
std::optional<TaskState> ParseTaskState(const std::string& name);
const char* RunStateName(RunState state);
std::optional<RunState> ParseRunState(const std::string& name);

// Who to tell when a run ends with objects that failed every attempt (or fails).
struct NotifySpec {
  std::string webhook;        // http(s) URL: a JSON POST
  std::string sns_topic_arn;  // Amazon SNS Publish
  std::string sns_region;     // else the topic ARN's region
  std::string sns_endpoint;   // else https://sns.REGION.amazonaws.com
  std::string sns_credential; // a stored credential; else the server's credential chain
};

// An events trigger: the run applies S3 event notifications from a queue until
// the task is stopped (events/event_watch.h), with a full compare on `resync`.
struct TriggerSpec {
  std::string events;  // queue URL; "" = no trigger
  std::string resync = "rate(1 day)";
  std::string queue_region;
  std::string queue_endpoint;
  std::string queue_credential;  // stored; "" = the source's credentials
};

// Fleet mode: the run plans and sends work items to `queue` for `ferry worker`s
// (fleet/planner.h).
struct FleetSpec {
  std::string queue;  // work queue URL; "" = the run copies in this process
  bool create_queues = false;
  std::string queue_region;
  std::string queue_endpoint;
  std::string queue_credential;  // stored; "" = the server's credential chain
  int item_objects = 500;
  std::string item_bytes = "1G";
  std::string part_threshold = "1G";
};

// What a task replicates: objects (S3, folders; `sync`) or container images
// between registries (`images`: source, destination and images.* of the JSON).
enum class TaskKind { kS3, kImages };
const char* TaskKindName(TaskKind kind);

struct TaskSpec {
  TaskKind kind = TaskKind::kS3;
  std::string name;
  std::string schedule = "once";  // see schedule.h
  job::SyncSpec sync;    // kind s3
  job::ImageSpec images; // kind images (its chunk_size, dry_run and ECR fields stay default)
  // Names of stored credentials, "" = none. Of an images task: the registry
  // logins (user name and password), or AWS keys for Amazon ECR.
  std::string src_credential;
  std::string dst_credential;
  NotifySpec notify;
  TriggerSpec trigger;
  FleetSpec fleet;
};

struct Task {
  std::string id;
  TaskSpec spec;
  TaskState state = TaskState::kCreated;
  std::string last_error;
  std::optional<int64_t> next_run_at;  // seconds since the epoch
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::string created_by;
  // Who saved the spec last (create or PUT): the user whose rights its
  // credentials and endpoints were checked against. "" = created_by.
  std::string updated_by;
  const std::string& spec_owner() const { return updated_by.empty() ? created_by : updated_by; }
};

struct FailedObjectRecord {
  std::string key;
  int attempts = 0;
  std::string error;
};

// Counters of a run, live or final.
struct RunProgress {
  uint64_t objects_total = 0;  // to copy, as found so far
  uint64_t objects_done = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;
  uint64_t listed = 0;
  uint64_t matched = 0;
  uint64_t deleted = 0;
  uint64_t differences = 0;
  uint64_t failed = 0;
  uint64_t parts_resumed = 0;
  bool listing_done = false;
  double seconds = 0;
  std::vector<FailedObjectRecord> failures;
};

struct Run {
  std::string id;
  std::string task_id;
  int64_t number = 0;  // 1, 2, ... per task
  RunState state = RunState::kRunning;
  std::string trigger;  // "start", "schedule"
  int64_t started_at = 0;
  std::optional<int64_t> ended_at;
  int64_t resumes = 0;  // times resumed after a server restart
  // Resumes in a row that did not end in that process (it crashed or was
  // killed): at kMaxUncleanResumes the run is failed instead of resumed again.
  int64_t unclean_resumes = 0;
  static constexpr int64_t kMaxUncleanResumes = 3;
  RunProgress progress;
  std::string error;
};

struct LogEntry {
  int64_t id = 0;
  std::string task_id;
  std::string run_id;
  int64_t time_ms = 0;
  std::string level;  // info, warning, error
  std::string message;
};

}  // namespace ferry::service
