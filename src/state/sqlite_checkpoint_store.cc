#include "state/sqlite_checkpoint_store.h"

#include <sqlite3.h>
#include <filesystem>

#include "state/sqlite_statement.h"

namespace ferry::state {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS uploads (
  run TEXT NOT NULL, key BLOB NOT NULL, upload_id TEXT NOT NULL, size INTEGER NOT NULL,
  part_size INTEGER NOT NULL, source_etag TEXT NOT NULL, PRIMARY KEY (run, key));
CREATE TABLE IF NOT EXISTS parts (
  run TEXT NOT NULL, key BLOB NOT NULL, part_number INTEGER NOT NULL, etag TEXT NOT NULL,
  md5 TEXT NOT NULL, PRIMARY KEY (run, key, part_number));
CREATE TABLE IF NOT EXISTS upload_attempts (
  run TEXT NOT NULL, key BLOB NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (run, key));
CREATE TABLE IF NOT EXISTS failures (
  run TEXT NOT NULL, key BLOB NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL,
  PRIMARY KEY (run, key));
)sql";

}  // namespace

Result<std::unique_ptr<SqliteCheckpointStore>> SqliteCheckpointStore::Open(const std::string& dir,
                                                                           const std::string& run) {
  const std::string path = dir + "/state.db";
  auto opened = OpenStateDatabase(dir, "state.db", kSchema);
  if (!opened.ok()) return std::move(opened).take_error();
  sqlite3* db = *opened;
  std::unique_ptr<SqliteCheckpointStore> store(new SqliteCheckpointStore(db, path, run));
  {
    MutexLock lock(store->mu_);  // not shared yet, but failed_ is only touched under mu_
    Statement failed(db, "SELECT key FROM failures WHERE run = ?");
    failed.Bind(1, run);
    while (failed.ok() && failed.Step() == SQLITE_ROW) store->failed_.insert(failed.Text(0));
    if (!failed.ok()) return store->Error("reading recorded failures");
  }
  return store;
}

SqliteCheckpointStore::~SqliteCheckpointStore() { sqlite3_close(db_); }

Result<int64_t> SqliteCheckpointStore::CountUploads(const std::string& dir) {
  const std::string path = dir + "/state.db";
  if (!std::filesystem::exists(path)) return int64_t{0};
  auto store = Open(dir, "");
  if (!store.ok()) return std::move(store).take_error();
  MutexLock lock((*store)->mu_);
  Statement s((*store)->db_, "SELECT COUNT(*) FROM uploads");
  if (s.Step() != SQLITE_ROW) return (*store)->Error("counting upload checkpoints");
  return s.Int(0);
}

Status SqliteCheckpointStore::Error(const std::string& what) const {
  return Status::Internal(what + " in the state file '" + path_ + "': " + sqlite3_errmsg(db_));
}

Status SqliteCheckpointStore::SaveUpload(const UploadCheckpoint& u) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR REPLACE INTO uploads VALUES (?,?,?,?,?,?)");
  s.Bind(1, run_).Bind(2, u.key).Bind(3, u.upload_id).Bind(4, static_cast<int64_t>(u.size))
      .Bind(5, static_cast<int64_t>(u.part_size)).Bind(6, u.source_etag);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("saving an upload checkpoint");
  Statement clear(db_, "DELETE FROM parts WHERE run = ? AND key = ?");
  clear.Bind(1, run_).Bind(2, u.key);
  if (!clear.ok() || clear.Step() != SQLITE_DONE) return Error("saving an upload checkpoint");
  return Status::OK();
}

Result<std::optional<UploadCheckpoint>> SqliteCheckpointStore::FindUpload(const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_,
              "SELECT upload_id, size, part_size, source_etag FROM uploads WHERE run=? AND key=?");
  s.Bind(1, run_).Bind(2, key);
  if (!s.ok()) return Error("reading an upload checkpoint");
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<UploadCheckpoint>();
  if (rc != SQLITE_ROW) return Error("reading an upload checkpoint");
  return std::optional<UploadCheckpoint>(UploadCheckpoint{
      key, s.Text(0), static_cast<uint64_t>(s.Int(1)), static_cast<uint64_t>(s.Int(2)), s.Text(3)});
}

Result<std::vector<UploadCheckpoint>> SqliteCheckpointStore::AllUploads() {
  MutexLock lock(mu_);
  Statement s(db_,
              "SELECT key, upload_id, size, part_size, source_etag FROM uploads WHERE run=?");
  s.Bind(1, run_);
  if (!s.ok()) return Error("reading upload checkpoints");
  std::vector<UploadCheckpoint> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), static_cast<uint64_t>(s.Int(2)),
                   static_cast<uint64_t>(s.Int(3)), s.Text(4)});
  }
  if (rc != SQLITE_DONE) return Error("reading upload checkpoints");
  return out;
}

Status SqliteCheckpointStore::RemoveUpload(const std::string& key) {
  MutexLock lock(mu_);
  for (const char* sql : {"DELETE FROM uploads WHERE run=? AND key=?",
                          "DELETE FROM parts WHERE run=? AND key=?"}) {
    Statement s(db_, sql);
    s.Bind(1, run_).Bind(2, key);
    if (!s.ok() || s.Step() != SQLITE_DONE) return Error("removing an upload checkpoint");
  }
  return Status::OK();
}

Result<bool> SqliteCheckpointStore::SaveUploadAttempt(const UploadAttempt& a) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR IGNORE INTO upload_attempts VALUES (?,?,?)");
  s.Bind(1, run_).Bind(2, a.key).Bind(3, a.since_unix);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording an upload attempt");
  return sqlite3_changes(db_) == 1;
}

Result<std::vector<UploadAttempt>> SqliteCheckpointStore::UploadAttempts() {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT key, since FROM upload_attempts WHERE run=?");
  s.Bind(1, run_);
  if (!s.ok()) return Error("reading upload attempts");
  std::vector<UploadAttempt> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Text(0), s.Int(1)});
  if (rc != SQLITE_DONE) return Error("reading upload attempts");
  return out;
}

Status SqliteCheckpointStore::RemoveUploadAttempt(const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_, "DELETE FROM upload_attempts WHERE run=? AND key=?");
  s.Bind(1, run_).Bind(2, key);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("removing an upload attempt");
  return Status::OK();
}

Status SqliteCheckpointStore::SavePart(const std::string& key, const FinishedPart& part) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR REPLACE INTO parts VALUES (?,?,?,?,?)");
  s.Bind(1, run_).Bind(2, key).Bind(3, part.part_number).Bind(4, part.etag).Bind(5, part.md5_hex);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("saving a finished part");
  return Status::OK();
}

Result<std::vector<FinishedPart>> SqliteCheckpointStore::Parts(const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_,
              "SELECT part_number, etag, md5 FROM parts WHERE run=? AND key=? ORDER BY part_number");
  s.Bind(1, run_).Bind(2, key);
  if (!s.ok()) return Error("reading finished parts");
  std::vector<FinishedPart> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({static_cast<int>(s.Int(0)), s.Text(1), s.Text(2)});
  }
  if (rc != SQLITE_DONE) return Error("reading finished parts");
  return out;
}

Status SqliteCheckpointStore::RecordFailure(const FailureRecord& f) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR REPLACE INTO failures VALUES (?,?,?,?)");
  s.Bind(1, run_).Bind(2, f.key).Bind(3, f.attempts).Bind(4, f.error);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording a failure");
  failed_.insert(f.key);
  return Status::OK();
}

Status SqliteCheckpointStore::ClearFailure(const std::string& key) {
  MutexLock lock(mu_);
  if (!failed_.contains(key)) return Status::OK();
  Statement s(db_, "DELETE FROM failures WHERE run=? AND key=?");
  s.Bind(1, run_).Bind(2, key);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("clearing a failure");
  failed_.erase(key);
  return Status::OK();
}

}  // namespace ferry::state
