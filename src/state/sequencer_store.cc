#include "state/sequencer_store.h"

#include <sqlite3.h>

#include <filesystem>

#include "state/sqlite_statement.h"

namespace ferry::state {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS applied (
  run TEXT NOT NULL, key BLOB NOT NULL, sequencer TEXT NOT NULL, applied_ms INTEGER NOT NULL,
  PRIMARY KEY (run, key));
CREATE INDEX IF NOT EXISTS applied_by_time ON applied (run, applied_ms);
)sql";

}  // namespace

Result<std::unique_ptr<SequencerStore>> SequencerStore::Open(const std::string& dir,
                                                             const std::string& run) {
  const std::string path = dir + "/events.db";
  auto opened = OpenStateDatabase(dir, "events.db", kSchema);
  if (!opened.ok()) return std::move(opened).take_error();
  sqlite3* db = *opened;
  return std::unique_ptr<SequencerStore>(new SequencerStore(db, path, run));
}

SequencerStore::~SequencerStore() { sqlite3_close(db_); }

Status SequencerStore::Error(const std::string& what) const {
  return Status::Internal(what + " in the state file '" + path_ + "': " + sqlite3_errmsg(db_));
}

Result<std::optional<std::string>> SequencerStore::Get(const std::string& key) {
  MutexLock lock(mu_);
  Statement s(db_, "SELECT sequencer FROM applied WHERE run = ? AND key = ?");
  s.Bind(1, run_).Bind(2, key);
  if (!s.ok()) return Error("reading an applied sequencer");
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("reading an applied sequencer");
  return std::optional<std::string>(s.Text(0));
}

Status SequencerStore::Put(const std::string& key, const std::string& sequencer, int64_t now_ms) {
  MutexLock lock(mu_);
  Statement s(db_, "INSERT OR REPLACE INTO applied VALUES (?, ?, ?, ?)");
  s.Bind(1, run_).Bind(2, key).BindText(3, sequencer).Bind(4, now_ms);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("recording an applied sequencer");
  return Status::OK();
}

Status SequencerStore::Prune(int64_t before_ms) {
  MutexLock lock(mu_);
  Statement s(db_, "DELETE FROM applied WHERE run = ? AND applied_ms < ?");
  s.Bind(1, run_).Bind(2, before_ms);
  if (!s.ok() || s.Step() != SQLITE_DONE) return Error("pruning applied sequencers");
  return Status::OK();
}

}  // namespace ferry::state
