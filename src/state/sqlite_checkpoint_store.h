// CheckpointStore in one SQLite file (WAL): the embedded default.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>

#include "core/mutex.h"
#include "state/checkpoint_store.h"

struct sqlite3;

namespace ferry::state {

class SqliteCheckpointStore final : public CheckpointStore {
 public:
  // Opens (creating) `dir`/state.db. `run` names the source→destination pair, so
  // one state folder can serve several different jobs.
  static Result<std::unique_ptr<SqliteCheckpointStore>> Open(const std::string& dir,
                                                             const std::string& run);
  ~SqliteCheckpointStore() override;

  // Multipart uploads checkpointed in `dir`/state.db by any run (0 without a state file).
  static Result<int64_t> CountUploads(const std::string& dir);

  Status SaveUpload(const UploadCheckpoint& upload) override;
  Result<std::optional<UploadCheckpoint>> FindUpload(const std::string& key) override;
  Result<std::vector<UploadCheckpoint>> AllUploads() override;
  Status RemoveUpload(const std::string& key) override;
  Result<bool> SaveUploadAttempt(const UploadAttempt& attempt) override;
  Result<std::vector<UploadAttempt>> UploadAttempts() override;
  Status RemoveUploadAttempt(const std::string& key) override;
  Status SavePart(const std::string& key, const FinishedPart& part) override;
  Result<std::vector<FinishedPart>> Parts(const std::string& key) override;
  Status RecordFailure(const FailureRecord& failure) override;
  Status ClearFailure(const std::string& key) override;

 private:
  SqliteCheckpointStore(sqlite3* db, std::string path, std::string run)
      : db_(db), path_(std::move(path)), run_(std::move(run)) {}
  Status Error(const std::string& what) const;

  Mutex mu_;  // one connection, used by one thread at a time
  sqlite3* db_;
  std::string path_;
  std::string run_;
  // Keys with a recorded failure in this run: a copied object clears its record
  // without a write transaction when it has none (nearly always).
  std::unordered_set<std::string> failed_ GUARDED_BY(mu_);
};

}  // namespace ferry::state
