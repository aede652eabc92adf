// Starts runs when tasks are started or their schedule fires, on a fixed number
// of worker threads in this process, and finishes them: run records, task
// state, logs, the run-ended callback (notifications).
//
// One loop thread sleeps until the earliest next_run_at of a waiting task (or
// a change), then queues the due tasks. A task has at most one run at a time.
// Runs that were Running when the process died are resumed by Start(); a
// shutdown stops the runs and leaves them Running so that the next start
// resumes them too.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "service/clock.h"
#include "service/live_run.h"
#include "service/task_runner.h"
#include "service/task_store.h"

namespace ferry::service {

struct SchedulerOptions {
  int workers = 2;  // runs at once, 1..64
  // Called on a worker thread after each run is recorded.
  std::function<void(const Task&, const Run&)> run_ended;
  // The time schedules are read against; null = the system clock. Must outlive
  // the scheduler.
  Clock* clock = nullptr;
};

class Scheduler {
 public:
  Scheduler(TaskStore& tasks, TaskRunner& runner, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Resumes unfinished runs and starts the loop and the workers.
  Status Start();
  // Stops every run (they stay Running, to resume on the next start) and joins.
  void Shutdown();

  // Once: queues a run now. Rate: the first run now. Cron: Waiting until the
  // next match. FailedPrecondition when the task is running or queued.
  Result<Task> StartTask(const std::string& id);
  // Stops the task's run, if any (waiting for it to end), and its schedule.
  Result<Task> StopTask(const std::string& id);
  // Queues a run of the task that copies only `keys` (the objects a run failed),
  // never deleting. `of_run` names that run in the log. The task's schedule is
  // kept: a waiting task waits for the same next run afterwards.
  // FailedPrecondition when the task is running or queued.
  Result<Task> RetryKeys(const std::string& id, std::vector<std::string> keys,
                         const std::string& of_run);
  // StopTask, abort its unfinished uploads, remove it and its runs and logs.
  Status DeleteTask(const std::string& id);
  bool IsActive(const std::string& task_id);

  // The runs in progress, with their run ids as of now (queued ones are left out).
  struct ActiveRun {
    std::string run_id;
    std::shared_ptr<LiveRun> live;
  };
  std::vector<ActiveRun> ActiveRuns();
  // Live counters of a running run.
  std::optional<RunProgress> LiveProgress(const std::string& run_id);
  // For /metrics: runs in progress and their bytes so far.
  struct Activity {
    int running = 0;
    int queued = 0;
    uint64_t bytes_done = 0;
    uint64_t objects_done = 0;
  };
  Activity CurrentActivity();

 private:
  struct Job {
    std::string task_id;
    std::string resume_run_id;  // resume this run instead of starting a new one
    std::string trigger;        // start, schedule, resume
    int64_t fire_time = 0;      // when it was due
    // A retry: only these keys, then the task's state and next run as before.
    std::vector<std::string> only_keys;
    std::string retry_of;
    TaskState prior_state = TaskState::kCreated;
    std::optional<int64_t> prior_next_run_at;
  };

  void Loop();
  void Work();
  void Execute(const Job& job, const std::shared_ptr<LiveRun>& live);
  // Ends a run that took the process down on each of its last resumes.
  void FailCrashLoop(Run run);
  void EnqueueLocked(Job job) REQUIRES(mu_);
  void Log(const std::string& task_id, const std::string& run_id, const std::string& level,
           const std::string& message);
  // Waits (60 s at most) until `task_id` has no run; `lock` holds mu_.
  void WaitIdleLocked(MutexLock& lock, const std::string& task_id) REQUIRES(mu_);

  TaskStore& tasks_;
  TaskRunner& runner_;
  SchedulerOptions options_;
  SystemClock system_clock_;
  Clock& clock_;  // options_.clock or system_clock_

  Mutex mu_;
  CondVar changed_;  // queue, active runs, shutdown
  bool shutdown_ GUARDED_BY(mu_) = false;
  std::deque<Job> queue_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<LiveRun>> active_ GUARDED_BY(mu_);  // by task id
  std::thread loop_;
  std::vector<std::thread> workers_;
};

}  // namespace ferry::service
