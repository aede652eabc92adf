#include "service/database.h"

#include <sqlite3.h>

#include <chrono>

namespace ferry::service {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA foreign_keys=ON;
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '', next_run_at INTEGER, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  number INTEGER NOT NULL, state TEXT NOT NULL, trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL, ended_at INTEGER, resumes INTEGER NOT NULL DEFAULT 0,
  summary TEXT NOT NULL DEFAULT '{}', error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS runs_by_task ON runs(task_id, number);
CREATE INDEX IF NOT EXISTS tasks_by_created ON tasks(created_at);
CREATE TABLE IF NOT EXISTS run_logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  run_id TEXT NOT NULL, time_ms INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_by_task ON run_logs(task_id, id);
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  kind TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
  name TEXT PRIMARY KEY, nonce BLOB NOT NULL, sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL);
)sql";

// Version 2: resumes that did not end (a crash loop ends the run), credentials
// bound to endpoints, who last saved a task.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE runs ADD COLUMN unclean_resumes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN endpoints TEXT NOT NULL DEFAULT '[]';
ALTER TABLE credentials ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
UPDATE tokens SET expires_at = created_at + 7776000 WHERE kind='api' AND expires_at=0;
PRAGMA user_version=2;
)sql";

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::InvalidArgument("cannot open the server database '" + path + "': " + why,
                                   "--data names a writable folder");
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Database> out(new Database(db, path));
  MutexLock lock(out->mu());
  FERRY_RETURN_IF_ERROR(out->Exec(kSchema));
  int64_t version = 0;
  {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      version = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  // Versions 0 (new) and 1 have the tables of kSchema as they were first written.
  if (version < 2) {
    FERRY_RETURN_IF_ERROR(out->Exec("BEGIN IMMEDIATE"));
    Status st = out->Exec(kVersion2);
    if (!st.ok()) {
      (void)out->Exec("ROLLBACK");
      return st;
    }
    FERRY_RETURN_IF_ERROR(out->Exec("COMMIT"));
  }
  return out;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::Error(const std::string& what) const {
  return Status::Internal(what + " in the server database '" + path_ + "': " +
                          sqlite3_errmsg(db_));
}

Status Database::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Internal("SQL failed in the server database '" + path_ + "': " + why);
  }
  return Status::OK();
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ferry::service
