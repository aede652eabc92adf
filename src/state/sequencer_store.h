// SequencerStore: per key, the sequencer of the last S3 event a watch applied,
// so that an older event arriving later (queues do not keep order) is skipped,
// also after a restart. One SQLite file (WAL) in the state folder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "core/status.h"

struct sqlite3;

namespace ferry::state {

class SequencerStore {
 public:
  // Opens (creating) `dir`/events.db. `run` names the source→destination pair.
  static Result<std::unique_ptr<SequencerStore>> Open(const std::string& dir,
                                                      const std::string& run);
  ~SequencerStore();
  SequencerStore(const SequencerStore&) = delete;
  SequencerStore& operator=(const SequencerStore&) = delete;

  // The sequencer last applied to `key`, if any.
  Result<std::optional<std::string>> Get(const std::string& key);
  // Records `sequencer` as applied to `key` at `now_ms`.
  Status Put(const std::string& key, const std::string& sequencer, int64_t now_ms);
  // Forgets what was applied before `before_ms`: events that old have long
  // arrived, and a full compare has settled their keys since.
  Status Prune(int64_t before_ms);

 private:
  SequencerStore(sqlite3* db, std::string path, std::string run)
      : db_(db), path_(std::move(path)), run_(std::move(run)) {}
  Status Error(const std::string& what) const;

  Mutex mu_;  // one connection, used by one thread at a time
  sqlite3* db_;
  std::string path_;
  std::string run_;
};

}  // namespace ferry::state
