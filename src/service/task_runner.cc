#include "service/task_runner.h"

#include <atomic>
#include <filesystem>

#include "job/run.h"

namespace ferry::service {
namespace {

// Shows a task's run as it goes: each object that failed every attempt in live
// progress and the task's log, and each entry a local folder skipped in the log.
class TaskRunObserver final : public engine::RunObserver {
 public:
  TaskRunObserver(LiveRun& live, TaskStore& tasks) : live_(live), tasks_(tasks) {}

  void OnFailure(const engine::FailedObject& f) override {
    live_.AddFailure({f.key, f.attempts, f.error});
    // A run where everything fails must not flood the log: the first ones tell.
    const uint64_t n = ++logged_;
    if (n <= kMaxFailuresLogged) {
      Log("error", "'" + f.key + "' failed after " + std::to_string(f.attempts) +
                       " attempts: " + f.error);
    } else if (n == kMaxFailuresLogged + 1) {
      Log("error", "more objects failed; the run's progress counts them all");
    }
  }

  void OnSkip(const std::string& where, const std::string& key,
              const std::string& why) override {
    Log("warning", "skipped '" + key + "' in " + where + ": " + why);
  }

 private:
  static constexpr uint64_t kMaxFailuresLogged = 1000;

  void Log(const char* level, const std::string& line) {
    (void)tasks_.AppendLog(live_.task_id, live_.run_id, level, line);
  }

  LiveRun& live_;
  TaskStore& tasks_;
  std::atomic<uint64_t> logged_{0};
};

}  // namespace

std::string TaskRunner::StateDir(const std::string& task_id) const {
  return data_dir_ + "/tasks/" + task_id + "/state";
}

Result<int64_t> TaskRunner::PendingUploads(const std::string& task_id) const {
  return state::SqliteCheckpointStore::CountUploads(StateDir(task_id));
}

Result<TaskActor> TaskRunner::SpecOwner(const Task& task) const {
  // A spec is checked again against the user who saved it, as they are now: the
  // config file, the stored credentials or the user's role may have changed.
  TaskActor actor{task.spec_owner(), Role::kViewer};
  auto role = context_.role_of ? context_.role_of(actor.username)
                               : Result<Role>(Status::NotFound(actor.username));
  if (!role.ok()) {
    return Status::PermissionDenied("task " + task.id + " was saved by '" + actor.username +
                                        "', who is no longer a user of this server",
                                    "an operator or admin saves the task again (PUT)");
  }
  actor.role = *role;
  if (actor.role < Role::kOperator) {
    return Status::PermissionDenied("task " + task.id + " was saved by '" + actor.username +
                                        "', who is now a viewer and may not run tasks",
                                    "an operator or admin saves the task again (PUT)");
  }
  return actor;
}

Result<job::PreparedRun> TaskRunner::Prepare(const Task& task, engine::RunCounters* counters) {
  auto actor = SpecOwner(task);
  if (!actor.ok()) return std::move(actor).take_error();
  FERRY_RETURN_IF_ERROR(CheckTaskSpec(task.spec, context_, *actor));
  job::RunSetup setup;
  setup.configs = context_.configs;
  setup.config_path = context_.config_path;
  if (!task.spec.src_credential.empty()) {
    auto keys = credentials_.Get(task.spec.src_credential);
    if (!keys.ok()) return std::move(keys).take_error().WithSide(Side::kSource);
    setup.src_keys = std::move(*keys);
  }
  if (!task.spec.dst_credential.empty()) {
    auto keys = credentials_.Get(task.spec.dst_credential);
    if (!keys.ok()) return std::move(keys).take_error().WithSide(Side::kDestination);
    setup.dst_keys = std::move(*keys);
  }
  // Local folders stay inside --local-root, through no link, for the whole run.
  setup.confine_local_to = context_.local_root;
  setup.state_dir = StateDir(task.id);
  setup.counters = counters;
  return job::PrepareRun(task.spec.sync, setup);
}

RunOutcome TaskRunner::Execute(const Task& task, LiveRun& live) {
  // The last line of defence: a defect that throws (a library's exception that
  // escaped its adapter) fails this run instead of ending the server, which
  // would resume the run at the next start and fall again.
  try {
    return ExecuteUnguarded(task, live);
  } catch (const std::exception& e) {
    RunOutcome out;
    out.progress = live.Snapshot();
    out.status = Status::Internal(std::string("the run stopped on an internal error (") +
                                  e.what() + ")")
                     .WithHint("the server log; please report this as a defect of ferry");
    return out;
  }
}

RunOutcome TaskRunner::ExecuteUnguarded(const Task& task, LiveRun& live) {
  if (task.spec.kind == TaskKind::kImages) return ExecuteImages(task, live);
  if (!task.spec.trigger.events.empty()) return ExecuteWatch(task, live);
  if (!task.spec.fleet.queue.empty()) return ExecuteFleet(task, live);
  RunOutcome out;
  auto prepared = Prepare(task, &live.counters);
  if (!prepared.ok()) {
    out.status = prepared.error();
    return out;
  }
  TaskRunObserver observer(live, tasks_);
  auto summary = job::RunPrepared(*prepared, observer, live.stop.get_token());
  out.progress = live.Snapshot();
  if (!summary.ok()) {
    out.status = summary.error();
    return out;
  }
  RunProgress& p = out.progress;
  p.objects_done = summary->copied;
  p.bytes_done = summary->bytes;
  p.listed = summary->listed_source;
  p.matched = summary->matched;
  p.deleted = summary->deleted;
  p.differences = summary->differences;
  p.failed = summary->failed;
  p.parts_resumed = summary->parts_resumed;
  p.listing_done = true;
  p.seconds = summary->seconds;
  p.failures.clear();
  for (const auto& f : summary->failures) {
    if (p.failures.size() >= LiveRun::kMaxFailuresKept) break;
    p.failures.push_back({f.key, f.attempts, f.error});
  }
  // Copies were made; the run still fails on deletes refused as unsafe.
  if (!summary->delete_refusal.ok()) out.status = summary->delete_refusal;
  return out;
}

Status TaskRunner::Discard(const Task& task) {
  auto pending = PendingUploads(task.id);
  if (!pending.ok()) return std::move(pending).take_error();
  if (*pending > 0) {
    // Never leave an upload to bill the user: abort each one, or refuse.
    auto opened = Prepare(task, nullptr);
    if (!opened.ok()) {
      return Status(Code::kFailedPrecondition,
                    "task " + task.id + " has " + std::to_string(*pending) +
                        " unfinished multipart upload(s) that cannot be aborted: " +
                        opened.error().ToString(),
                    "fix the task (PUT) so its destination is reachable, then delete it");
    }
    auto uploads = opened->checkpoints->AllUploads();
    if (!uploads.ok()) return std::move(uploads).take_error();
    for (const auto& u : *uploads) {
      Status st = opened->stores.destination->AbortMultipart(u.key, u.upload_id, {});
      if (!st.ok() && st.code() != Code::kNotFound) {
        return std::move(st).Context("aborting the unfinished upload of '" + u.key +
                                     "' of task " + task.id);
      }
      (void)opened->checkpoints->RemoveUpload(u.key);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(data_dir_ + "/tasks/" + task.id, ec);
  return Status::OK();
}

}  // namespace ferry::service
