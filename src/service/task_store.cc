#include "service/task_store.h"

#include <sqlite3.h>

#include <algorithm>

#include "service/task_json.h"
#include "state/sqlite_statement.h"

namespace ferry::service {
namespace {

using state::Statement;

constexpr const char* kTaskColumns =
    "id, spec, state, last_error, next_run_at, created_at, updated_at, created_by, updated_by";

Result<Task> ReadTask(Statement& s) {
  Task t;
  t.id = s.Text(0);
  auto spec_json = nlohmann::json::parse(s.Text(1), nullptr, false);
  auto spec = TaskSpecFromJson(spec_json);
  if (!spec.ok()) {
    return Status::Internal("task " + t.id + " has an unreadable spec: " +
                            spec.error().message());
  }
  t.spec = std::move(*spec);
  t.state = ParseTaskState(s.Text(2)).value_or(TaskState::kFailed);
  t.last_error = s.Text(3);
  if (!s.IsNull(4)) t.next_run_at = s.Int(4);
  t.created_at = s.Int(5);
  t.updated_at = s.Int(6);
  t.created_by = s.Text(7);
  t.updated_by = s.Text(8);
  return t;
}

constexpr const char* kRunColumns =
    "id, task_id, number, state, trigger, started_at, ended_at, resumes, summary, error, "
    "unclean_resumes";

Run ReadRun(Statement& s) {
  Run r;
  r.id = s.Text(0);
  r.task_id = s.Text(1);
  r.number = s.Int(2);
  r.state = ParseRunState(s.Text(3)).value_or(RunState::kFailed);
  r.trigger = s.Text(4);
  r.started_at = s.Int(5);
  if (!s.IsNull(6)) r.ended_at = s.Int(6);
  r.resumes = s.Int(7);
  auto progress = ProgressFromJson(nlohmann::json::parse(s.Text(8), nullptr, false));
  if (progress.ok()) r.progress = std::move(*progress);
  r.error = s.Text(9);
  r.unclean_resumes = s.Int(10);
  return r;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int LevelRank(const std::string& level) {
  if (level == "error") return 3;
  if (level == "warning") return 2;
  return 1;
}

}  // namespace

Status TaskStore::Insert(const Task& t) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "INSERT INTO tasks (id, name, spec, state, last_error, next_run_at, "
                            "created_at, updated_at, created_by, updated_by) VALUES (?,?,?,?,?,?,?,?,?,?)");
  s.BindText(1, t.id).BindText(2, t.spec.name).BindText(3, Dump(TaskSpecToJson(t.spec)))
      .BindText(4, TaskStateName(t.state)).BindText(5, t.last_error);
  if (t.next_run_at) s.Bind(6, *t.next_run_at); else s.BindNull(6);
  s.Bind(7, t.created_at).Bind(8, t.updated_at).BindText(9, t.created_by)
      .BindText(10, t.updated_by);
  if (s.Step() != SQLITE_DONE) return db_.Error("saving task " + t.id);
  return Status::OK();
}

Status TaskStore::Update(const Task& t) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "UPDATE tasks SET name=?, spec=?, state=?, last_error=?, "
                            "next_run_at=?, updated_at=?, updated_by=? WHERE id=?");
  s.BindText(1, t.spec.name).BindText(2, Dump(TaskSpecToJson(t.spec)))
      .BindText(3, TaskStateName(t.state)).BindText(4, t.last_error);
  if (t.next_run_at) s.Bind(5, *t.next_run_at); else s.BindNull(5);
  s.Bind(6, NowSeconds()).BindText(7, t.updated_by).BindText(8, t.id);
  if (s.Step() != SQLITE_DONE) return db_.Error("updating task " + t.id);
  if (sqlite3_changes(db_.handle()) == 0) return Status::NotFound("no task '" + t.id + "'");
  return Status::OK();
}

Status TaskStore::Delete(const std::string& id) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "DELETE FROM tasks WHERE id=?");
  s.BindText(1, id);
  if (s.Step() != SQLITE_DONE) return db_.Error("deleting task " + id);
  if (sqlite3_changes(db_.handle()) == 0) return Status::NotFound("no task '" + id + "'");
  return Status::OK();
}

Result<Task> TaskStore::Get(const std::string& id) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              (std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE id=?").c_str());
  s.BindText(1, id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) {
    return Status::NotFound("no task '" + id + "'", "ferry task list (GET /api/v1/tasks) lists the tasks");
  }
  if (rc != SQLITE_ROW) return db_.Error("reading task " + id);
  return ReadTask(s);
}

Result<std::vector<Task>> TaskStore::List() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              (std::string("SELECT ") + kTaskColumns + " FROM tasks ORDER BY created_at, id")
                  .c_str());
  std::vector<Task> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    auto t = ReadTask(s);
    if (!t.ok()) return std::move(t).take_error();
    out.push_back(std::move(*t));
  }
  if (rc != SQLITE_DONE) return db_.Error("listing tasks");
  return out;
}

Result<TaskPage> TaskStore::ListPage(const TaskQuery& q) {
  // The filter is evaluated by SQLite: a page of 10,000 tasks reads one page.
  // Newest first; tasks created in the same second in the order they were made.
  constexpr const char* kWhere =
      " FROM tasks WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR "
      "instr(lower(name), lower(?2)) > 0 OR "
      "instr(lower(json_extract(spec, '$.source')), lower(?2)) > 0 OR "
      "instr(lower(json_extract(spec, '$.destination')), lower(?2)) > 0 OR id = ?2)";
  MutexLock lock(db_.mu());
  TaskPage page;
  {
    Statement n(db_.handle(), (std::string("SELECT COUNT(*)") + kWhere).c_str());
    n.BindText(1, q.state).BindText(2, q.text);
    if (n.Step() != SQLITE_ROW) return db_.Error("counting tasks");
    page.total = n.Int(0);
  }
  Statement s(db_.handle(), (std::string("SELECT ") + kTaskColumns + kWhere +
                             " ORDER BY created_at DESC, rowid DESC LIMIT ?3 OFFSET ?4")
                                .c_str());
  s.BindText(1, q.state).BindText(2, q.text)
      .Bind(3, static_cast<int64_t>(q.limit > 0 ? q.limit : -1)).Bind(4, q.offset);
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    auto t = ReadTask(s);
    if (!t.ok()) return std::move(t).take_error();
    page.tasks.push_back(std::move(*t));
  }
  if (rc != SQLITE_DONE) return db_.Error("listing tasks");
  return page;
}

Result<std::optional<Run>> TaskStore::LastRun(const std::string& task_id) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), (std::string("SELECT ") + kRunColumns +
                             " FROM runs WHERE task_id=? ORDER BY number DESC LIMIT 1")
                                .c_str());
  s.BindText(1, task_id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<Run>();
  if (rc != SQLITE_ROW) return db_.Error("reading the last run of task " + task_id);
  return std::optional<Run>(ReadRun(s));
}

Result<std::vector<Task>> TaskStore::Due(int64_t now) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), (std::string("SELECT ") + kTaskColumns +
                             " FROM tasks WHERE state='Waiting' AND next_run_at <= ? "
                             "ORDER BY next_run_at")
                                .c_str());
  s.Bind(1, now);
  std::vector<Task> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    auto t = ReadTask(s);
    if (!t.ok()) return std::move(t).take_error();
    out.push_back(std::move(*t));
  }
  if (rc != SQLITE_DONE) return db_.Error("finding due tasks");
  return out;
}

Result<std::optional<int64_t>> TaskStore::NextWake() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              "SELECT MIN(next_run_at) FROM tasks WHERE state='Waiting' AND next_run_at IS NOT "
              "NULL");
  if (s.Step() != SQLITE_ROW) return db_.Error("finding the next fire time");
  if (s.IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(s.Int(0));
}

Status TaskStore::InsertRun(Run& r) {
  MutexLock lock(db_.mu());
  Statement n(db_.handle(), "SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE task_id=?");
  n.BindText(1, r.task_id);
  if (n.Step() != SQLITE_ROW) return db_.Error("numbering a run of task " + r.task_id);
  r.number = n.Int(0);
  Statement s(db_.handle(), "INSERT INTO runs (id, task_id, number, state, trigger, started_at, "
                            "resumes, summary, error) VALUES (?,?,?,?,?,?,?,?,?)");
  s.BindText(1, r.id).BindText(2, r.task_id).Bind(3, r.number)
      .BindText(4, RunStateName(r.state)).BindText(5, r.trigger).Bind(6, r.started_at)
      .Bind(7, r.resumes).BindText(8, Dump(ProgressToJson(r.progress))).BindText(9, r.error);
  if (s.Step() != SQLITE_DONE) return db_.Error("saving run " + r.id);
  return Status::OK();
}

Status TaskStore::UpdateRun(const Run& r) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              "UPDATE runs SET state=?, ended_at=?, resumes=?, summary=?, error=?, "
              "unclean_resumes=? WHERE id=?");
  s.BindText(1, RunStateName(r.state));
  if (r.ended_at) s.Bind(2, *r.ended_at); else s.BindNull(2);
  s.Bind(3, r.resumes).BindText(4, Dump(ProgressToJson(r.progress))).BindText(5, r.error)
      .Bind(6, r.unclean_resumes).BindText(7, r.id);
  if (s.Step() != SQLITE_DONE) return db_.Error("updating run " + r.id);
  return Status::OK();
}

Result<Run> TaskStore::GetRun(const std::string& id) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id=?").c_str());
  s.BindText(1, id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) {
    return Status::NotFound("no run '" + id + "'", "ferry task show TASK (GET /api/v1/tasks/{id}/runs) lists its runs");
  }
  if (rc != SQLITE_ROW) return db_.Error("reading run " + id);
  return ReadRun(s);
}

Result<std::vector<Run>> TaskStore::ListRuns(const std::string& task_id, int limit) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), (std::string("SELECT ") + kRunColumns +
                             " FROM runs WHERE task_id=? ORDER BY number DESC LIMIT ?")
                                .c_str());
  s.BindText(1, task_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<Run> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRun(s));
  if (rc != SQLITE_DONE) return db_.Error("listing runs of task " + task_id);
  return out;
}

Result<std::vector<Run>> TaskStore::UnfinishedRuns() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), (std::string("SELECT ") + kRunColumns +
                             " FROM runs WHERE state='Running' ORDER BY started_at")
                                .c_str());
  std::vector<Run> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRun(s));
  if (rc != SQLITE_DONE) return db_.Error("finding unfinished runs");
  return out;
}

Status TaskStore::AppendLog(const std::string& task_id, const std::string& run_id,
                            const std::string& level, const std::string& message) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "INSERT INTO run_logs (task_id, run_id, time_ms, level, message) "
                            "VALUES (?,?,?,?,?)");
  s.BindText(1, task_id).BindText(2, run_id).Bind(3, NowMillis()).BindText(4, level)
      .BindText(5, message);
  if (s.Step() != SQLITE_DONE) return db_.Error("writing a log line of task " + task_id);
  return Status::OK();
}

Result<std::vector<LogEntry>> TaskStore::Logs(const LogQuery& q) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              "SELECT id, task_id, run_id, time_ms, level, message FROM run_logs "
              "WHERE task_id=? AND id>? AND (?='' OR run_id=?) AND "
              "(CASE level WHEN 'error' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END) >= ? "
              "ORDER BY id LIMIT ?");
  s.BindText(1, q.task_id).Bind(2, q.after_id).BindText(3, q.run_id).BindText(4, q.run_id)
      .Bind(5, static_cast<int64_t>(q.min_level.empty() ? 1 : LevelRank(q.min_level)))
      .Bind(6, static_cast<int64_t>(std::clamp(q.limit, 1, 1000)));
  std::vector<LogEntry> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Int(3), s.Text(4), s.Text(5)});
  }
  if (rc != SQLITE_DONE) return db_.Error("reading logs of task " + q.task_id);
  return out;
}

Result<TaskStore::Totals> TaskStore::ComputeTotals() {
  MutexLock lock(db_.mu());
  Totals t;
  {
    Statement s(db_.handle(), "SELECT state, COUNT(*) FROM tasks GROUP BY state");
    while (s.Step() == SQLITE_ROW) t.tasks_by_state.emplace_back(s.Text(0), s.Int(1));
  }
  {
    Statement s(db_.handle(), "SELECT state, COUNT(*) FROM runs GROUP BY state");
    while (s.Step() == SQLITE_ROW) t.runs_by_state.emplace_back(s.Text(0), s.Int(1));
  }
  Statement s(db_.handle(),
              "SELECT COALESCE(SUM(json_extract(summary, '$.objects_done')), 0), "
              "COALESCE(SUM(json_extract(summary, '$.bytes_done')), 0), "
              "COALESCE(SUM(json_extract(summary, '$.failed')), 0) FROM runs "
              "WHERE state != 'Running'");
  if (s.Step() != SQLITE_ROW) return db_.Error("adding up runs");
  t.objects_copied = static_cast<uint64_t>(s.Int(0));
  t.bytes_copied = static_cast<uint64_t>(s.Int(1));
  t.objects_failed = static_cast<uint64_t>(s.Int(2));
  return t;
}

}  // namespace ferry::service
