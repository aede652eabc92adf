// EventApplier: applies the records of S3 event messages to a destination, as
// the watch (event_watch.h) and a fleet worker do: per key one at a time
// (KeySerializer), stale events skipped (by sequencer, else by the source's
// current state), created objects copied through an ObjectExecutor, removed
// ones deleted when the source has no such key now. It knows nothing of queues:
// the caller deletes or hands back the message by the outcome it is told.
#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "engine/object_executor.h"
#include "engine/run_observer.h"
#include "events/event_watch.h"
#include "events/key_serializer.h"
#include "events/s3_event.h"
#include "state/sequencer_store.h"

namespace ferry::events {

// How the records of one message ended.
enum class Applied {
  kDone,       // every record applied, skipped as stale or gone, or ignored
  kFailed,     // a record failed: the message should come back later
  kCancelled,  // stopped first: the message goes back as it is
};

struct ApplierContext {
  store::ObjectStore* source = nullptr;
  store::ObjectStore* destination = nullptr;
  WatchedSource watched;
  const engine::RunOptions* options = nullptr;
  state::SequencerStore* sequencers = nullptr;  // may be null
  engine::ObjectExecutor* executor = nullptr;
  engine::RunObserver* observer = nullptr;  // told of every event applied (--report)
  bool apply_removals = false;  // --delete
  // Told every line logged at info or above; told a fatal error (the caller stops).
  std::function<void(const std::string& level, const std::string& message)> log;
  std::function<void(Status)> fatal;
};

class EventApplier {
 public:
  // `pool` runs HEADs, deletes and the serializer's work.
  EventApplier(ApplierContext context, WatchCounters& counters, ThreadPool& pool,
               std::stop_token stop);

  // Applies every record of `message` that names the watched source (others
  // are counted as ignored); `done` runs once, perhaps before this returns.
  void ApplyMessage(std::shared_ptr<const EventMessage> message, int receive_count,
                    std::function<void(Applied)> done);

  // For a full compare: runs `work` under the key's serialization, and the
  // deletes it decides with the same check as a removed event.
  KeySerializer& serializer() { return serializer_; }
  Applied DeleteIfGone(const std::string& key, const std::string& reason, bool* deleted);

 private:
  void Log(const std::string& level, const std::string& message);
  void Fatal(Status st);
  void Apply(const ObjectEvent& event, const std::string& key, int receive_count,
             std::function<void(Applied)> finish);
  void ApplyCreated(const ObjectEvent& event, const std::string& key, int receive_count,
                    std::function<void(Applied)> finish);
  void ApplyRemoved(const ObjectEvent& event, const std::string& key,
                    std::function<void(Applied)> finish);
  // True when a newer event for `key` than `sequencer` was applied.
  bool Stale(const std::string& key, const std::string& sequencer);
  void RecordApplied(const std::string& key, const std::string& sequencer);

  const ApplierContext c_;
  WatchCounters& counters_;
  std::stop_token stop_;
  engine::KeyFilter filter_;
  ThreadPool& pool_;
  KeySerializer serializer_;
};

}  // namespace ferry::events
