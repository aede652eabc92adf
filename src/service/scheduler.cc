#include "service/scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "service/password.h"
#include "service/schedule.h"

namespace ferry::service {
namespace {

// How long the loop sleeps at most: a safety net, changes wake it anyway.
constexpr int64_t kMaxSleepSeconds = 60;

std::string Summary(const RunProgress& p) {
  return "listed " + std::to_string(p.listed) + ", identical " + std::to_string(p.matched) +
         ", copied " + std::to_string(p.objects_done) + " (" + std::to_string(p.bytes_done) +
         " bytes), deleted " + std::to_string(p.deleted) + ", differences " +
         std::to_string(p.differences) + ", failed " + std::to_string(p.failed);
}

// The task as a retry runs it: copy (never delete) exactly `keys`. An anchored
// glob with every character escaped matches one key and nothing else.
Task RetryTask(Task task, const std::vector<std::string>& keys) {
  job::SyncSpec& s = task.spec.sync;
  if (s.mode == engine::RunMode::kSync) s.mode = engine::RunMode::kCopy;
  s.delete_extra = false;
  s.filters.clear();
  for (const std::string& key : keys) {
    std::string glob = "/";
    for (char c : key) {
      glob += '\\';
      glob += c;
    }
    s.filters.emplace_back(true, std::move(glob));
  }
  s.prefixes = keys;  // a cheap first cut before the globs
  s.prefix_list.clear();
  return task;
}

}  // namespace

Scheduler::Scheduler(TaskStore& tasks, TaskRunner& runner, SchedulerOptions options)
    : tasks_(tasks),
      runner_(runner),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : system_clock_) {
  options_.workers = std::clamp(options_.workers, 1, 64);
}

Scheduler::~Scheduler() { Shutdown(); }

void Scheduler::Log(const std::string& task_id, const std::string& run_id,
                    const std::string& level, const std::string& message) {
  if (level == "error") spdlog::error("task {}: {}", task_id, message);
  else if (level == "warning") spdlog::warn("task {}: {}", task_id, message);
  else spdlog::info("task {}: {}", task_id, message);
  Status st = tasks_.AppendLog(task_id, run_id, level, message);
  if (!st.ok()) spdlog::error("{}", st.ToString());
}

Status Scheduler::Start() {
  auto unfinished = tasks_.UnfinishedRuns();
  if (!unfinished.ok()) return std::move(unfinished).take_error();
  std::vector<Run> to_resume;
  for (Run& run : *unfinished) {
    if (run.unclean_resumes < Run::kMaxUncleanResumes) {
      to_resume.push_back(std::move(run));
    } else {
      FailCrashLoop(std::move(run));
    }
  }
  auto all = tasks_.List();  // after FailCrashLoop: its tasks are no longer Running
  if (!all.ok()) return std::move(all).take_error();
  {
    MutexLock lock(mu_);
    for (const Run& run : to_resume) {
      EnqueueLocked({run.task_id, run.id, "resume", run.started_at});
    }
    // A task queued but not yet started when the process died.
    for (const Task& task : *all) {
      if (task.state == TaskState::kRunning && !active_.contains(task.id)) {
        EnqueueLocked({task.id, "", "resume", clock_.NowSeconds()});
      }
    }
  }
  if (!to_resume.empty()) {
    spdlog::warn("resuming {} run(s) interrupted by the last shutdown", to_resume.size());
  }
  loop_ = std::thread([this] { Loop(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
  return Status::OK();
}

void Scheduler::FailCrashLoop(Run run) {
  auto task = tasks_.Get(run.task_id);
  run.state = RunState::kFailed;
  run.ended_at = clock_.NowSeconds();
  run.unclean_resumes = 0;
  run.error = "run " + std::to_string(run.number) + " was resumed " +
              std::to_string(Run::kMaxUncleanResumes) +
              " times in a row and each time the server stopped before it ended (a crash or a "
              "kill); it is failed instead of being resumed again. Check: the server's log "
              "(stderr) from those starts, then start the task again";
  Log(run.task_id, run.id, "error", run.error);
  Status st = tasks_.UpdateRun(run);
  if (!st.ok()) spdlog::error("{}", st.ToString());
  if (!task.ok()) return;
  Task& t = *task;
  t.last_error = run.error;
  const auto schedule = Schedule::Parse(t.spec.schedule);
  if (schedule.ok() && schedule->kind() != Schedule::Kind::kOnce) {
    t.state = TaskState::kWaiting;
    t.next_run_at = schedule->NextFire(clock_.NowSeconds(), clock_.NowSeconds());
    if (!t.next_run_at) t.state = TaskState::kCompleted;
  } else {
    t.state = TaskState::kFailed;
    t.next_run_at.reset();
  }
  st = tasks_.Update(t);
  if (!st.ok()) spdlog::error("{}", st.ToString());
  if (options_.run_ended) options_.run_ended(t, run);
}

void Scheduler::Shutdown() {
  {
    MutexLock lock(mu_);
    if (shutdown_) return;
    shutdown_ = true;
    for (auto& [id, live] : active_) live->stop.request_stop();
  }
  changed_.NotifyAll();
  if (loop_.joinable()) loop_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

void Scheduler::EnqueueLocked(Job job) {
  if (active_.contains(job.task_id)) return;
  auto live = std::make_shared<LiveRun>();
  live->task_id = job.task_id;
  active_[job.task_id] = std::move(live);
  queue_.push_back(std::move(job));
  changed_.NotifyAll();
}

void Scheduler::Loop() {
  MutexLock lock(mu_);
  while (!shutdown_) {
    lock.Unlock();
    const int64_t now = clock_.NowSeconds();
    auto due = tasks_.Due(now);
    auto wake = tasks_.NextWake();
    lock.Lock();
    if (shutdown_) break;
    bool queued_any = false;
    if (due.ok()) {
      for (Task& task : *due) {
        if (active_.contains(task.id)) continue;
        const int64_t fire = task.next_run_at.value_or(now);
        task.state = TaskState::kRunning;
        task.next_run_at.reset();
        Status st = tasks_.Update(task);
        if (!st.ok()) {
          spdlog::error("{}", st.ToString());
          continue;
        }
        EnqueueLocked({task.id, "", "schedule", fire});
        queued_any = true;
      }
    } else {
      spdlog::error("{}", due.error().ToString());
    }
    int64_t sleep = kMaxSleepSeconds;
    if (wake.ok() && wake->has_value()) {
      sleep = std::clamp<int64_t>(**wake - clock_.NowSeconds(), 0, kMaxSleepSeconds);
    }
    if (sleep == 0 && queued_any) continue;  // the wake time read was one just queued
    // Woken early by StartTask (a new next_run_at), a finished run or shutdown. At
    // least a second: a due task that could not be queued must not spin this loop.
    clock_.WaitFor(changed_, lock, std::max<int64_t>(sleep, 1));
  }
}

void Scheduler::Work() {
  MutexLock lock(mu_);
  for (;;) {
    changed_.Wait(lock, [&]() REQUIRES(mu_) { return shutdown_ || !queue_.empty(); });
    if (shutdown_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    std::shared_ptr<LiveRun> live = active_[job.task_id];
    lock.Unlock();
    Execute(job, live);
    lock.Lock();
    active_.erase(job.task_id);
    changed_.NotifyAll();
  }
}

void Scheduler::Execute(const Job& job, const std::shared_ptr<LiveRun>& live) {
  auto task = tasks_.Get(job.task_id);
  if (!task.ok()) return;  // deleted while queued
  if (live->stop.stop_requested()) return;  // stopped while queued: StopTask recorded it

  Run run;
  if (!job.resume_run_id.empty()) {
    auto found = tasks_.GetRun(job.resume_run_id);
    if (!found.ok()) return;
    run = std::move(*found);
    ++run.resumes;
    // Counted before the run goes on: if it takes the process down again, the
    // next start knows, and after kMaxUncleanResumes it stops resuming it.
    ++run.unclean_resumes;
    Status st = tasks_.UpdateRun(run);
    if (!st.ok()) spdlog::error("{}", st.ToString());
  } else {
    run.id = RandomHex(8);
    run.task_id = task->id;
    run.trigger = job.trigger;
    run.started_at = clock_.NowSeconds();
    Status st = tasks_.InsertRun(run);
    if (!st.ok()) {
      spdlog::error("{}", st.ToString());
      return;
    }
  }
  {
    MutexLock lock(mu_);  // LiveProgress reads run_id under mu_
    live->run_id = run.id;
    live->started = std::chrono::steady_clock::now();
  }
  Log(task->id, run.id, "info",
      job.resume_run_id.empty()
          ? "run " + std::to_string(run.number) + " started (" + job.trigger + ")"
          : "run " + std::to_string(run.number) + " resumed after a server restart");

  RunOutcome outcome;
  if (job.only_keys.empty()) {
    outcome = runner_.Execute(*task, *live);
  } else {
    Log(task->id, run.id, "info",
        "run " + std::to_string(run.number) + " retries " +
            std::to_string(job.only_keys.size()) + " object(s) that failed in run " +
            job.retry_of);
    outcome = runner_.Execute(RetryTask(*task, job.only_keys), *live);
  }

  bool shutting_down = false;
  {
    MutexLock lock(mu_);
    shutting_down = shutdown_ && !live->stopped_by_user;
  }
  run.unclean_resumes = 0;  // it ended in this process, one way or another
  if (shutting_down && outcome.status.code() == Code::kCancelled) {
    // Left Running: the next start resumes it from its checkpoints.
    Status st = tasks_.UpdateRun(run);
    if (!st.ok()) spdlog::error("{}", st.ToString());
    Log(task->id, run.id, "warning", "run interrupted by a server shutdown; it resumes on start");
    return;
  }

  auto current = tasks_.Get(task->id);  // the task as it is now (a stop may have changed it)
  if (!current.ok()) return;
  Task& t = *current;
  run.progress = outcome.progress;
  run.ended_at = clock_.NowSeconds();
  const auto schedule = Schedule::Parse(t.spec.schedule);
  const bool scheduled = schedule.ok() && schedule->kind() != Schedule::Kind::kOnce;
  if (live->stopped_by_user) {
    run.state = RunState::kStopped;
    t.state = TaskState::kStopped;
    t.next_run_at.reset();
    Log(t.id, run.id, "info", "run " + std::to_string(run.number) +
                                  " stopped; multipart uploads are checkpointed and resume "
                                  "on the next start");
  } else if (outcome.status.ok()) {
    run.state = RunState::kCompleted;
    t.last_error.clear();
    Log(t.id, run.id, outcome.progress.failed > 0 ? "warning" : "info",
        "run " + std::to_string(run.number) + " completed: " + Summary(outcome.progress));
  } else {
    run.state = RunState::kFailed;
    run.error = outcome.status.ToString();
    t.last_error = run.error;
    Log(t.id, run.id, "error", "run " + std::to_string(run.number) + " failed: " + run.error);
  }
  if (!live->stopped_by_user && !job.only_keys.empty() && scheduled) {
    // A retry leaves the schedule as it found it.
    t.state = job.prior_state;
    t.next_run_at = job.prior_next_run_at;
  } else if (!live->stopped_by_user) {
    if (scheduled) {
      t.state = TaskState::kWaiting;
      t.next_run_at = schedule->NextFire(job.fire_time, clock_.NowSeconds());
      if (!t.next_run_at) t.state = TaskState::kCompleted;  // a cron with no more fires
    } else {
      t.state = run.state == RunState::kCompleted ? TaskState::kCompleted : TaskState::kFailed;
      t.next_run_at.reset();
    }
  }
  Status st = tasks_.UpdateRun(run);
  if (!st.ok()) spdlog::error("{}", st.ToString());
  st = tasks_.Update(t);
  if (!st.ok()) spdlog::error("{}", st.ToString());
  if (options_.run_ended) options_.run_ended(t, run);
}

Result<Task> Scheduler::StartTask(const std::string& id) {
  MutexLock lock(mu_);
  if (shutdown_) return Status::Unavailable("the server is shutting down");
  auto task = tasks_.Get(id);
  if (!task.ok()) return task;
  if (active_.contains(id)) {
    return Status(Code::kFailedPrecondition, "task " + id + " is already running",
                  "stop it first: ferry task stop " + id + " (POST /api/v1/tasks/" + id + "/stop)");
  }
  auto schedule = Schedule::Parse(task->spec.schedule);
  if (!schedule.ok()) return std::move(schedule).take_error();
  const int64_t now = clock_.NowSeconds();
  task->last_error.clear();
  if (schedule->kind() == Schedule::Kind::kOnce) {
    task->state = TaskState::kRunning;
    task->next_run_at.reset();
  } else {
    task->next_run_at = schedule->FirstFire(now);
    if (!task->next_run_at) {
      return Status(Code::kFailedPrecondition, "the schedule of task " + id + " never fires");
    }
    task->state = *task->next_run_at <= now ? TaskState::kRunning : TaskState::kWaiting;
  }
  FERRY_RETURN_IF_ERROR(tasks_.Update(*task));
  if (task->state == TaskState::kRunning) {
    const int64_t fire = task->next_run_at.value_or(now);
    task->next_run_at.reset();
    FERRY_RETURN_IF_ERROR(tasks_.Update(*task));
    EnqueueLocked({id, "", "start", fire});
  }
  changed_.NotifyAll();
  return task;
}

Result<Task> Scheduler::RetryKeys(const std::string& id, std::vector<std::string> keys,
                                  const std::string& of_run) {
  MutexLock lock(mu_);
  if (shutdown_) return Status::Unavailable("the server is shutting down");
  auto task = tasks_.Get(id);
  if (!task.ok()) return task;
  if (active_.contains(id)) {
    return Status(Code::kFailedPrecondition, "task " + id + " is already running",
                  "wait for its run to end, or stop it, then retry");
  }
  Job job{id, "", "retry", NowSeconds()};
  job.only_keys = std::move(keys);
  job.retry_of = of_run;
  job.prior_state = task->state;
  job.prior_next_run_at = task->next_run_at;
  task->last_error.clear();
  task->state = TaskState::kRunning;
  task->next_run_at.reset();
  FERRY_RETURN_IF_ERROR(tasks_.Update(*task));
  EnqueueLocked(std::move(job));
  return task;
}

std::vector<Scheduler::ActiveRun> Scheduler::ActiveRuns() {
  MutexLock lock(mu_);
  std::vector<ActiveRun> out;
  for (auto& [id, l] : active_) {
    if (!l->run_id.empty()) out.push_back({l->run_id, l});
  }
  return out;
}

void Scheduler::WaitIdleLocked(MutexLock& lock, const std::string& task_id) {
  // The engine ends a stopped run within seconds; a request must not hang on one
  // that does not (the run still records itself Stopped when it ends).
  if (!changed_.WaitFor(lock, std::chrono::seconds(60),
                         [&]() REQUIRES(mu_) { return !active_.contains(task_id); })) {
    spdlog::warn("task {}: its run has not ended 60 s after the stop request", task_id);
  }
}

Result<Task> Scheduler::StopTask(const std::string& id) {
  MutexLock lock(mu_);
  auto task = tasks_.Get(id);
  if (!task.ok()) return task;
  if (auto it = active_.find(id); it != active_.end()) {
    std::shared_ptr<LiveRun> live = it->second;
    live->stopped_by_user = true;
    live->stop.request_stop();
    // Queued but not started: nobody else will remove it.
    auto queued = std::find_if(queue_.begin(), queue_.end(),
                               [&](const Job& j) { return j.task_id == id; });
    if (queued != queue_.end()) {
      queue_.erase(queued);
      active_.erase(id);
    }
    WaitIdleLocked(lock, id);
  }
  auto now = tasks_.Get(id);
  if (!now.ok()) return now;
  now->state = TaskState::kStopped;
  now->next_run_at.reset();
  FERRY_RETURN_IF_ERROR(tasks_.Update(*now));
  changed_.NotifyAll();
  return now;
}

Status Scheduler::DeleteTask(const std::string& id) {
  auto stopped = StopTask(id);
  if (!stopped.ok()) return std::move(stopped).take_error();
  FERRY_RETURN_IF_ERROR(runner_.Discard(*stopped));
  return tasks_.Delete(id);
}

bool Scheduler::IsActive(const std::string& task_id) {
  MutexLock lock(mu_);
  return active_.contains(task_id);
}

std::optional<RunProgress> Scheduler::LiveProgress(const std::string& run_id) {
  std::shared_ptr<LiveRun> live;
  {
    MutexLock lock(mu_);
    for (auto& [id, l] : active_) {
      if (l->run_id == run_id) live = l;
    }
  }
  if (!live) return std::nullopt;
  return live->Snapshot();
}

Scheduler::Activity Scheduler::CurrentActivity() {
  std::vector<std::shared_ptr<LiveRun>> lives;
  Activity a;
  {
    MutexLock lock(mu_);
    a.queued = static_cast<int>(queue_.size());
    for (auto& [id, l] : active_) lives.push_back(l);
  }
  a.running = static_cast<int>(lives.size()) - a.queued;
  for (const auto& l : lives) {
    a.bytes_done += l->counters.transfer.bytes_done;
    a.objects_done += l->counters.copied;
  }
  return a;
}

}  // namespace ferry::service
