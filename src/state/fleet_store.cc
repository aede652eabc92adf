#include "state/fleet_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <tuple>

#include "state/sqlite_statement.h"

namespace ferry::state {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS fleet_runs (
  name TEXT NOT NULL, run_id TEXT NOT NULL PRIMARY KEY, state TEXT NOT NULL,
  resume_key BLOB, planned INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS fleet_runs_by_name ON fleet_runs (name, state);
CREATE TABLE IF NOT EXISTS fleet_items (
  run_id TEXT NOT NULL, item_id TEXT NOT NULL, kind TEXT NOT NULL, objects INTEGER NOT NULL,
  bytes INTEGER NOT NULL, upload_key BLOB, state INTEGER NOT NULL,
  copied INTEGER NOT NULL DEFAULT 0, same INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, bytes_done INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, item_id));
CREATE INDEX IF NOT EXISTS fleet_items_by_upload ON fleet_items (run_id, upload_key);
CREATE INDEX IF NOT EXISTS fleet_items_by_state ON fleet_items (run_id, state);
CREATE TABLE IF NOT EXISTS fleet_uploads (
  run_id TEXT NOT NULL, key BLOB NOT NULL, upload_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, parts INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (run_id, key));
CREATE TABLE IF NOT EXISTS fleet_failures (
  run_id TEXT NOT NULL, key BLOB NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL,
  PRIMARY KEY (run_id, key));
)sql";

FleetItemRecord ItemFrom(Statement& s) {
  FleetItemRecord r;
  r.item_id = s.Text(0);
  r.kind = s.Text(1);
  r.objects = static_cast<uint64_t>(s.Int(2));
  r.bytes = static_cast<uint64_t>(s.Int(3));
  r.upload_key = s.IsNull(4) ? "" : s.Text(4);
  r.state = static_cast<ItemState>(s.Int(5));
  r.copied = static_cast<uint64_t>(s.Int(6));
  r.same = static_cast<uint64_t>(s.Int(7));
  r.deleted = static_cast<uint64_t>(s.Int(8));
  r.bytes_done = static_cast<uint64_t>(s.Int(9));
  return r;
}

constexpr const char* kItemColumns =
    "item_id, kind, objects, bytes, upload_key, state, copied, same, deleted, bytes_done";

}  // namespace

Result<std::unique_ptr<FleetStore>> FleetStore::Open(const std::string& dir) {
  const std::string path = dir + "/fleet.db";
  auto opened = OpenStateDatabase(dir, "fleet.db", kSchema);
  if (!opened.ok()) return std::move(opened).take_error();
  sqlite3* db = *opened;
  return std::unique_ptr<FleetStore>(new FleetStore(db, path));
}

FleetStore::~FleetStore() { sqlite3_close(db_); }

Status FleetStore::Error(const std::string& what) const {
  return Status::Internal(what + " in the state file '" + path_ + "': " + sqlite3_errmsg(db_));
}

Status FleetStore::Exec(const char* sql, const std::string& what) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(what);
  return Status::OK();
}

Result<std::optional<FleetRunRecord>> FleetStore::FindRun(const std::string& name) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT run_id, resume_key, planned FROM fleet_runs "
                   "WHERE name = ? AND state = 'running' LIMIT 1");
  s.BindText(1, name);
  if (!s.ok()) return Error("reading fleet runs");
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<FleetRunRecord>();
  if (rc != SQLITE_ROW) return Error("reading fleet runs");
  FleetRunRecord r;
  r.name = name;
  r.run_id = s.Text(0);
  r.resume_set = !s.IsNull(1);
  r.resume_key = r.resume_set ? s.Text(1) : "";
  r.planned = s.Int(2) != 0;
  return std::optional<FleetRunRecord>(std::move(r));
}

Status FleetStore::StartRun(const std::string& name, const std::string& run_id) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT INTO fleet_runs (name, run_id, state) VALUES (?, ?, 'running')");
  s.BindText(1, name).BindText(2, run_id);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording a fleet run");
  return Status::OK();
}

Status FleetStore::SetResumeKey(const std::string& name, const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_, "UPDATE fleet_runs SET resume_key = ? WHERE name = ? AND state = 'running'");
  s.Bind(1, key).BindText(2, name);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording planning progress");
  return Status::OK();
}

Status FleetStore::SetPlanned(const std::string& name) {
  MutexLock lock(mu_);
  Statement s(db_, "UPDATE fleet_runs SET planned = 1 WHERE name = ? AND state = 'running'");
  s.BindText(1, name);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording planning progress");
  return Status::OK();
}

Status FleetStore::FinishRun(const std::string& name, const std::string& state) {
  MutexLock lock(mu_);
  Statement s(db_, "UPDATE fleet_runs SET state = ? WHERE name = ? AND state = 'running'");
  s.BindText(1, state).BindText(2, name);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("finishing a fleet run");
  return Status::OK();
}

Status FleetStore::AddItems(const std::string& run_id, const std::vector<FleetItemRecord>& items) {
  MutexLock lock(mu_);
  FERRY_RETURN_IF_ERROR(Exec("BEGIN", "recording items"));
  for (const auto& item : items) {
    Statement s(db_, "INSERT OR IGNORE INTO fleet_items (run_id, item_id, kind, objects, bytes, "
                     "upload_key, state) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.BindText(1, run_id).BindText(2, item.item_id).BindText(3, item.kind)
        .Bind(4, static_cast<int64_t>(item.objects)).Bind(5, static_cast<int64_t>(item.bytes));
    if (item.upload_key.empty()) {
      s.BindNull(6);
    } else {
      s.Bind(6, item.upload_key);
    }
    s.Bind(7, static_cast<int64_t>(item.state));
    if (!s.ok() || s.Step() != SQLITE_DONE) {
      Status st = Error("recording items");
      (void)Exec("ROLLBACK", "");
      return st;
    }
  }
  return Exec("COMMIT", "recording items");
}

Status FleetStore::MarkSent(const std::string& run_id) {
  MutexLock lock(mu_);
  Statement s(db_, "UPDATE fleet_items SET state = 0 WHERE run_id = ? AND state = 3");
  s.BindText(1, run_id);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording items sent");
  return Status::OK();
}

Status FleetStore::ForgetPending(const std::string& run_id) {
  MutexLock lock(mu_);
  Statement s(db_, "DELETE FROM fleet_items WHERE run_id = ? AND state = 3");
  s.BindText(1, run_id);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("forgetting unsent items");
  return Status::OK();
}

Result<std::optional<FleetItemRecord>> FleetStore::GetItem(const std::string& run_id,
                                                           const std::string& item_id) {
  MutexLock lock(mu_);
  Statement s(db_, (std::string("SELECT ") + kItemColumns +
                    " FROM fleet_items WHERE run_id = ? AND item_id = ?")
                       .c_str());
  s.BindText(1, run_id).BindText(2, item_id);
  if (!s.ok()) return Error("reading an item");
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<FleetItemRecord>();
  if (rc != SQLITE_ROW) return Error("reading an item");
  return std::optional<FleetItemRecord>(ItemFrom(s));
}

Status FleetStore::UpdateItem(const std::string& run_id, const FleetItemRecord& item) {
  MutexLock lock(mu_);
  Statement s(db_, "UPDATE fleet_items SET state = ?, copied = ?, same = ?, deleted = ?, "
                   "bytes_done = ? WHERE run_id = ? AND item_id = ?");
  s.Bind(1, static_cast<int64_t>(item.state)).Bind(2, static_cast<int64_t>(item.copied))
      .Bind(3, static_cast<int64_t>(item.same)).Bind(4, static_cast<int64_t>(item.deleted))
      .Bind(5, static_cast<int64_t>(item.bytes_done)).BindText(6, run_id)
      .BindText(7, item.item_id);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording an item's result");
  return Status::OK();
}

Result<std::vector<FleetItemRecord>> FleetStore::ItemsOfUpload(const std::string& run_id,
                                                               const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_, (std::string("SELECT ") + kItemColumns +
                    " FROM fleet_items WHERE run_id = ? AND upload_key = ?")
                       .c_str());
  s.BindText(1, run_id).Bind(2, key);
  if (!s.ok()) return Error("reading part items");
  std::vector<FleetItemRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ItemFrom(s));
  if (rc != SQLITE_DONE) return Error("reading part items");
  return out;
}

Result<FleetTotals> FleetStore::Totals(const std::string& run_id) {
  MutexLock lock(mu_);
  Statement s(db_,
              "SELECT COUNT(*), SUM(state = 1), SUM(state = 2), SUM(objects), SUM(bytes), "
              "SUM(copied), SUM(same), SUM(deleted), SUM(bytes_done) FROM fleet_items "
              "WHERE run_id = ?");
  s.BindText(1, run_id);
  if (!s.ok() || s.Step() != SQLITE_ROW) return Error("counting items");
  auto u = [&](int col) { return static_cast<uint64_t>(s.IsNull(col) ? 0 : s.Int(col)); };
  FleetTotals t{u(0), u(1), u(2), u(3), u(4), u(5), u(6), u(7), u(8)};
  Statement up(db_, "SELECT SUM(state = 'open'), SUM(state = 'completed') FROM fleet_uploads "
                    "WHERE run_id = ?");
  up.BindText(1, run_id);
  if (!up.ok() || up.Step() != SQLITE_ROW) return Error("counting uploads");
  t.uploads_open = static_cast<uint64_t>(up.IsNull(0) ? 0 : up.Int(0));
  t.uploads_completed = static_cast<uint64_t>(up.IsNull(1) ? 0 : up.Int(1));
  return t;
}

Result<std::vector<std::string>> FleetStore::OpenItems(const std::string& run_id, size_t limit) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT item_id FROM fleet_items WHERE run_id = ? AND state IN (0, 3) LIMIT ?");
  s.BindText(1, run_id).Bind(2, static_cast<int64_t>(limit));
  if (!s.ok()) return Error("reading items");
  std::vector<std::string> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.Text(0));
  if (rc != SQLITE_DONE) return Error("reading items");
  return out;
}

Status FleetStore::AddUpload(const std::string& run_id, const FleetUploadRecord& u) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR REPLACE INTO fleet_uploads VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.BindText(1, run_id).Bind(2, u.key).BindText(3, u.upload_id)
      .Bind(4, static_cast<int64_t>(u.size)).BindText(5, u.etag).Bind(6, int64_t{u.parts})
      .BindText(7, u.state.empty() ? "open" : u.state);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording an upload");
  return Status::OK();
}

Status FleetStore::SetUploadState(const std::string& run_id, const std::string& key,
                                  const std::string& state) {
  MutexLock lock(mu_);
  Statement s(db_, "UPDATE fleet_uploads SET state = ? WHERE run_id = ? AND key = ?");
  s.BindText(1, state).BindText(2, run_id).Bind(3, key);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording an upload");
  return Status::OK();
}

Result<std::vector<FleetUploadRecord>> FleetStore::Uploads(const std::string& run_id) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT key, upload_id, size, etag, parts, state FROM fleet_uploads "
                   "WHERE run_id = ?");
  s.BindText(1, run_id);
  if (!s.ok()) return Error("reading uploads");
  std::vector<FleetUploadRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), static_cast<uint64_t>(s.Int(2)), s.Text(3),
                   static_cast<int>(s.Int(4)), s.Text(5)});
  }
  if (rc != SQLITE_DONE) return Error("reading uploads");
  return out;
}

Result<std::optional<FleetUploadRecord>> FleetStore::GetUpload(const std::string& run_id,
                                                               const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT key, upload_id, size, etag, parts, state FROM fleet_uploads "
                   "WHERE run_id = ? AND key = ?");
  s.BindText(1, run_id).Bind(2, key);
  if (!s.ok()) return Error("reading an upload");
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<FleetUploadRecord>();
  if (rc != SQLITE_ROW) return Error("reading an upload");
  return std::optional<FleetUploadRecord>(FleetUploadRecord{
      s.Text(0), s.Text(1), static_cast<uint64_t>(s.Int(2)), s.Text(3),
      static_cast<int>(s.Int(4)), s.Text(5)});
}

Status FleetStore::AddFailure(const std::string& run_id, const std::string& key, int attempts,
                              const std::string& error) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR REPLACE INTO fleet_failures VALUES (?, ?, ?, ?)");
  s.BindText(1, run_id).Bind(2, key).Bind(3, int64_t{attempts}).BindText(4, error);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording a failure");
  return Status::OK();
}

Status FleetStore::ClearFailure(const std::string& run_id, const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_, "DELETE FROM fleet_failures WHERE run_id = ? AND key = ?");
  s.BindText(1, run_id).Bind(2, key);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("clearing a failure");
  return Status::OK();
}

Result<std::vector<std::tuple<std::string, int, std::string>>> FleetStore::Failures(
    const std::string& run_id, size_t limit) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT key, attempts, error FROM fleet_failures WHERE run_id = ? "
                   "ORDER BY key LIMIT ?");
  s.BindText(1, run_id).Bind(2, static_cast<int64_t>(limit));
  if (!s.ok()) return Error("reading failures");
  std::vector<std::tuple<std::string, int, std::string>> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.emplace_back(s.Text(0), static_cast<int>(s.Int(1)), s.Text(2));
  }
  if (rc != SQLITE_DONE) return Error("reading failures");
  return out;
}

Result<uint64_t> FleetStore::FailureCount(const std::string& run_id) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT COUNT(*) FROM fleet_failures WHERE run_id = ?");
  s.BindText(1, run_id);
  if (!s.ok() || s.Step() != SQLITE_ROW) return Error("counting failures");
  return static_cast<uint64_t>(s.Int(0));
}

}  // namespace ferry::state
