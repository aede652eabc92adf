// Runs one run of a task in this process: resolves the spec (named endpoints,
// stored credentials), opens the stores, and calls the engine with the task's
// own checkpoint folder (DATA/tasks/ID/state), so a run that was interrupted,
// even by kill -9, resumes its multipart uploads next time.
#pragma once

#include <string>

#include "core/status.h"
#include "job/run.h"
#include "service/credential_store.h"
#include "service/live_run.h"
#include "service/task.h"
#include "service/task_check.h"
#include "service/task_store.h"
#include "state/sqlite_checkpoint_store.h"

namespace ferry::service {

struct RunOutcome {
  Status status;  // OK: the run ended (objects may have failed); else why it did not
  RunProgress progress;
};

// A run that ended on `status` with the progress it had made.
inline RunOutcome FailedRun(Status status, LiveRun& live) {
  return {std::move(status), live.Snapshot()};
}

class TaskRunner {
 public:
  TaskRunner(std::string data_dir, const TaskCheckContext& context, CredentialStore& credentials,
             TaskStore& tasks)
      : data_dir_(std::move(data_dir)), context_(context), credentials_(credentials),
        tasks_(tasks) {}

  // Runs to the end or until `live.stop` is requested (then status is Cancelled).
  RunOutcome Execute(const Task& task, LiveRun& live);

  // Aborts the multipart uploads a stopped task left checkpointed and removes its
  // state folder. Called when the task is deleted.
  Status Discard(const Task& task);

  std::string StateDir(const std::string& task_id) const;
  // Multipart uploads a stopped or interrupted run of the task left checkpointed.
  Result<int64_t> PendingUploads(const std::string& task_id) const;

 private:
  // The task's run, checked against its owner as they are now, with its stored
  // credentials, confined to --local-root, checkpointed in StateDir; `counters`
  // (may be null) receive live progress.
  Result<job::PreparedRun> Prepare(const Task& task, engine::RunCounters* counters);
  RunOutcome ExecuteUnguarded(const Task& task, LiveRun& live);
  // A task with an events trigger: applies events until stopped (task_watch.cc).
  RunOutcome ExecuteWatch(const Task& task, LiveRun& live);
  // A task with a fleet queue: plans, and workers copy (task_fleet.cc).
  RunOutcome ExecuteFleet(const Task& task, LiveRun& live);
  // A task of kind images: copies images between registries (task_images.cc).
  RunOutcome ExecuteImages(const Task& task, LiveRun& live);
  // Who saved the spec, with their role now; refused when they may no longer run it.
  Result<TaskActor> SpecOwner(const Task& task) const;

  std::string data_dir_;
  const TaskCheckContext& context_;
  CredentialStore& credentials_;
  TaskStore& tasks_;
};

}  // namespace ferry::service
