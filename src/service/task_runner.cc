#include "service/task_runner.h"

#include <atomic>
#include <filesystem>

#include "state/sqlite_checkpoint_store.h"
#include "store/local_store.h"

namespace ferry::service {
namespace {

// Passes everything to the task's checkpoint store and, as the engine records
// an object that failed every attempt, logs it and shows it in live progress.
class ReportingCheckpoints final : public state::CheckpointStore {
 public:
  ReportingCheckpoints(state::CheckpointStore& inner, LiveRun& live, TaskStore& tasks)
      : inner_(inner), live_(live), tasks_(tasks) {}

  Status SaveUpload(const state::UploadCheckpoint& u) override { return inner_.SaveUpload(u); }
  Result<std::optional<state::UploadCheckpoint>> FindUpload(const std::string& key) override {
    return inner_.FindUpload(key);
  }
  Result<std::vector<state::UploadCheckpoint>> AllUploads() override {
    return inner_.AllUploads();
  }
  Status RemoveUpload(const std::string& key) override { return inner_.RemoveUpload(key); }
  Result<bool> SaveUploadAttempt(const state::UploadAttempt& a) override {
    return inner_.SaveUploadAttempt(a);
  }
  Result<std::vector<state::UploadAttempt>> UploadAttempts() override {
    return inner_.UploadAttempts();
  }
  Status RemoveUploadAttempt(const std::string& key) override {
    return inner_.RemoveUploadAttempt(key);
  }
  Status SavePart(const std::string& key, const state::FinishedPart& part) override {
    return inner_.SavePart(key, part);
  }
  Result<std::vector<state::FinishedPart>> Parts(const std::string& key) override {
    return inner_.Parts(key);
  }
  Status RecordFailure(const state::FailureRecord& f) override {
    live_.AddFailure({f.key, f.attempts, f.error});
    // A run where everything fails must not flood the log: the first ones tell.
    const uint64_t n = ++logged_;
    if (n <= kMaxFailuresLogged) {
      (void)tasks_.AppendLog(live_.task_id, live_.run_id, "error",
                             "'" + f.key + "' failed after " + std::to_string(f.attempts) +
                                 " attempts: " + f.error);
    } else if (n == kMaxFailuresLogged + 1) {
      (void)tasks_.AppendLog(live_.task_id, live_.run_id, "error",
                             "more objects failed; the run's progress counts them all");
    }
    return inner_.RecordFailure(f);
  }
  Status ClearFailure(const std::string& key) override { return inner_.ClearFailure(key); }

 private:
  static constexpr uint64_t kMaxFailuresLogged = 1000;

  state::CheckpointStore& inner_;
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

Result<TaskRunner::Opened> TaskRunner::Open(const Task& task) {
  // Checked again, against the user who saved the spec as they are now: the
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
  FERRY_RETURN_IF_ERROR(CheckTaskSpec(task.spec, context_, actor));
  auto options = job::MakeRunOptions(task.spec.sync);
  if (!options.ok()) return std::move(options).take_error();
  auto sides = job::ResolveSides(task.spec.sync, context_.configs, context_.config_path);
  if (!sides.ok()) return std::move(sides).take_error();
  if (!task.spec.src_credential.empty()) {
    auto keys = credentials_.Get(task.spec.src_credential);
    if (!keys.ok()) return std::move(keys).take_error().WithSide(Side::kSource);
    sides->src.keys = std::move(*keys);
  }
  if (!task.spec.dst_credential.empty()) {
    auto keys = credentials_.Get(task.spec.dst_credential);
    if (!keys.ok()) return std::move(keys).take_error().WithSide(Side::kDestination);
    sides->dst.keys = std::move(*keys);
  }
  auto stores = job::OpenStores(*sides);
  if (!stores.ok()) return std::move(stores).take_error();
  // Local folders stay inside --local-root, through no link, for the whole run.
  for (auto [store, side] : {std::pair{stores->source.get(), Side::kSource},
                             std::pair{stores->destination.get(), Side::kDestination}}) {
    if (auto* local = dynamic_cast<store::LocalStore*>(store)) {
      Status st = local->ConfineTo(context_.local_root);
      if (!st.ok()) return std::move(st).WithSide(side);
    }
  }
  Opened opened{std::move(*stores), std::move(*options), nullptr};
  opened.options.throttle = opened.stores.throttle;
  auto checkpoints =
      state::SqliteCheckpointStore::Open(StateDir(task.id), job::RunName(opened.stores));
  if (!checkpoints.ok()) return std::move(checkpoints).take_error();
  opened.checkpoints = std::move(*checkpoints);
  return opened;
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
  auto opened = Open(task);
  if (!opened.ok()) {
    out.status = opened.error();
    return out;
  }
  ReportingCheckpoints checkpoints(*opened->checkpoints, live, tasks_);
  for (auto* store : {opened->stores.source.get(), opened->stores.destination.get()}) {
    if (auto* local = dynamic_cast<store::LocalStore*>(store)) {
      const std::string root = local->Describe();
      local->SetSkipReporter([this, &live, root](const std::string& key, const std::string& why) {
        (void)tasks_.AppendLog(live.task_id, live.run_id, "warning",
                               "skipped '" + key + "' in " + root + ": " + why);
      });
    }
  }
  opened->options.counters = &live.counters;
  auto summary = engine::RunSync(*opened->stores.source, *opened->stores.destination,
                                 opened->options, &checkpoints, live.stop.get_token());
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
    auto opened = Open(task);
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
