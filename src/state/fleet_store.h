// FleetStore: a fleet planner's durable state (SQLite, WAL), so that a planner
// killed mid-run and started again with the same command resumes the same run:
// it sends no item twice, completes the multipart uploads it began, and knows
// which items are done. Per run: the items sent (with what their results
// reported), the multipart uploads behind part items, the objects that failed,
// and how far planning got (the last key sent, in the listing's byte order).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"

struct sqlite3;

namespace ferry::state {

struct FleetRunRecord {
  std::string name;    // the run's source -> destination and queue
  std::string run_id;
  std::string resume_key;  // every copy decision up to this key was sent; "" = none
  bool resume_set = false;
  bool planned = false;    // every item (and delete item) was sent
};

// kPending: recorded, and being sent; kSent once SendAll returned.
enum class ItemState { kSent = 0, kDone = 1, kDead = 2, kPending = 3 };

struct FleetItemRecord {
  std::string item_id;
  std::string kind;        // objects | deletes | parts
  uint64_t objects = 0;
  uint64_t bytes = 0;
  std::string upload_key;  // parts: the object
  ItemState state = ItemState::kSent;
  // Summed over the item's results.
  uint64_t copied = 0, same = 0, deleted = 0, bytes_done = 0;
};

struct FleetUploadRecord {
  std::string key;
  std::string upload_id;
  uint64_t size = 0;
  std::string etag;  // the source's
  int parts = 0;
  std::string state;  // open | completed | aborted
};

struct FleetTotals {
  uint64_t items = 0, done = 0, dead = 0;
  uint64_t objects = 0, bytes = 0;
  uint64_t copied = 0, same = 0, deleted = 0, bytes_done = 0;
  uint64_t uploads_open = 0, uploads_completed = 0;  // large objects copied in part items
};

class FleetStore {
 public:
  // Opens (creating) `dir`/fleet.db.
  static Result<std::unique_ptr<FleetStore>> Open(const std::string& dir);
  ~FleetStore();
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  // The unfinished run named `name`, if any.
  Result<std::optional<FleetRunRecord>> FindRun(const std::string& name);
  Status StartRun(const std::string& name, const std::string& run_id);
  Status SetResumeKey(const std::string& name, const std::string& key);
  Status SetPlanned(const std::string& name);
  // The run is over (completed, failed or stopped): a new command starts a new run.
  Status FinishRun(const std::string& name, const std::string& state);

  // Records items (as kPending, before they are sent), in one transaction.
  Status AddItems(const std::string& run_id, const std::vector<FleetItemRecord>& items);
  // Every pending item of the run was sent.
  Status MarkSent(const std::string& run_id);
  // Forgets pending items: the planner died while sending them, and planning
  // resumes before them (their objects go into new items).
  Status ForgetPending(const std::string& run_id);
  Result<std::optional<FleetItemRecord>> GetItem(const std::string& run_id,
                                                 const std::string& item_id);
  // Adds a result's counts to the item and sets its state.
  Status UpdateItem(const std::string& run_id, const FleetItemRecord& item);
  Result<std::vector<FleetItemRecord>> ItemsOfUpload(const std::string& run_id,
                                                     const std::string& key);
  Result<FleetTotals> Totals(const std::string& run_id);
  // Items not yet done or dead.
  Result<std::vector<std::string>> OpenItems(const std::string& run_id, size_t limit);

  Status AddUpload(const std::string& run_id, const FleetUploadRecord& upload);
  Status SetUploadState(const std::string& run_id, const std::string& key,
                        const std::string& state);
  Result<std::vector<FleetUploadRecord>> Uploads(const std::string& run_id);
  Result<std::optional<FleetUploadRecord>> GetUpload(const std::string& run_id,
                                                     const std::string& key);

  // One failed object (the last error wins); `Failures` lists them in key order.
  Status AddFailure(const std::string& run_id, const std::string& key, int attempts,
                    const std::string& error);
  Status ClearFailure(const std::string& run_id, const std::string& key);
  Result<std::vector<std::tuple<std::string, int, std::string>>> Failures(
      const std::string& run_id, size_t limit);
  Result<uint64_t> FailureCount(const std::string& run_id);

 private:
  FleetStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Error(const std::string& what) const;
  Status Exec(const char* sql, const std::string& what);

  Mutex mu_;  // one connection, used by one thread at a time
  sqlite3* db_;
  std::string path_;
};

}  // namespace ferry::state
