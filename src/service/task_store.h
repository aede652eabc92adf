// Tasks, their runs and their logs in the server database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "service/database.h"
#include "service/task.h"

namespace ferry::service {

struct LogQuery {
  std::string task_id;
  std::string run_id;       // "" = every run
  std::string min_level;    // "", info, warning, error
  int64_t after_id = 0;     // entries with a larger id (pagination cursor)
  int limit = 100;          // 1..1000
};

// A page of the task list, newest first.
struct TaskQuery {
  std::string state;   // "" = every state, else a TaskStateName
  std::string text;    // "" = all; else in the name, source or destination (case-insensitive)
  int64_t offset = 0;
  int limit = 0;       // 0 = all
};

struct TaskPage {
  std::vector<Task> tasks;
  int64_t total = 0;  // tasks matching the query, over all pages
};

class TaskStore {
 public:
  explicit TaskStore(Database& db) : db_(db) {}

  Status Insert(const Task& task);
  // Replaces spec, state, last_error and next_run_at of `task.id`; NotFound if gone.
  Status Update(const Task& task);
  Status Delete(const std::string& id);
  Result<Task> Get(const std::string& id);
  Result<std::vector<Task>> List();
  Result<TaskPage> ListPage(const TaskQuery& query);
  // The task's latest run, if it has one.
  Result<std::optional<Run>> LastRun(const std::string& task_id);
  // Waiting tasks whose next_run_at is at or before `now`.
  Result<std::vector<Task>> Due(int64_t now);
  // The earliest next_run_at of a waiting task.
  Result<std::optional<int64_t>> NextWake();

  // Inserts a run numbered after the task's last one; fills run.number.
  Status InsertRun(Run& run);
  Status UpdateRun(const Run& run);
  Result<Run> GetRun(const std::string& id);
  Result<std::vector<Run>> ListRuns(const std::string& task_id, int limit);
  // Runs left Running by a process that died: to resume.
  Result<std::vector<Run>> UnfinishedRuns();

  Status AppendLog(const std::string& task_id, const std::string& run_id,
                   const std::string& level, const std::string& message);
  Result<std::vector<LogEntry>> Logs(const LogQuery& query);

  // Totals over finished runs, for /metrics.
  struct Totals {
    std::vector<std::pair<std::string, int64_t>> tasks_by_state;
    std::vector<std::pair<std::string, int64_t>> runs_by_state;
    uint64_t objects_copied = 0;
    uint64_t bytes_copied = 0;
    uint64_t objects_failed = 0;
  };
  Result<Totals> ComputeTotals();

 private:
  Database& db_;
};

}  // namespace ferry::service
