// One run of `ferry sync | copy | check`: list both sides, compare, transfer,
// delete, report. The stores and state are given; how they were chosen is the
// caller's business.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/throttle_signal.h"
#include "engine/differ.h"
#include "engine/filter.h"
#include "engine/progress.h"
#include "engine/run_observer.h"
#include "engine/transferer.h"
#include "state/checkpoint_store.h"
#include "store/object_store.h"

namespace ferry::engine {

enum class RunMode { kSync, kCopy, kCheck };

struct RunOptions {
  RunMode mode = RunMode::kSync;
  bool delete_extra = false;         // sync --delete
  bool dry_run = false;
  bool allow_empty_source = false;   // let --delete run when the source lists nothing
  std::optional<uint64_t> max_delete_count;
  std::optional<double> max_delete_percent;
  CompareMode compare = CompareMode::kSizeEtag;
  KeyFilter filter;
  TransferOptions transfer;
  int transfers = 256;               // objects in flight at most (parts: transfers / 8, 4..16)
  uint64_t memory = uint64_t{256} << 20;  // upper bound on transfer buffers (as SyncSpec's)
  uint64_t bwlimit = 0;              // bytes per second uploaded, 0 = unlimited
  int max_attempts = 5;              // per object
  int list_parallelism = 8;          // sections listed at once per side
  std::shared_ptr<ThrottleSignal> throttle;  // fed by the destination's client
  // When set, the run counts here, so another thread can read live progress.
  // REQUIRES: zeroed, and alive until RunSync returns.
  RunCounters* counters = nullptr;
  // Told of progress, every object decided, differences, failures and skipped
  // entries (--report is an observer); null = nobody.
  // REQUIRES: alive until RunSync returns.
  RunObserver* observer = nullptr;
};

struct RunSummary {
  uint64_t listed_source = 0;
  uint64_t listed_destination = 0;
  uint64_t matched = 0;       // already identical
  uint64_t copied = 0;
  uint64_t bytes = 0;
  uint64_t deleted = 0;
  uint64_t differences = 0;   // what check found (or what a dry run would do)
  uint64_t failed = 0;
  uint64_t parts_resumed = 0;
  uint64_t unverified = 0;    // copied, but no checksum could prove the bytes (see Transferer)
  uint64_t deletes_refused = 0;
  double seconds = 0;
  // Requests by operation on each side (one service with one set of keys: the same counts).
  std::map<std::string, uint64_t> source_requests, destination_requests;
  std::vector<FailedObject> failures;  // each with its last error
  // Why the deletes were refused (the source listed nothing, --max-delete); the
  // copies were made and are counted above. OK when nothing was refused.
  Status delete_refusal;
};

// Runs to the end. A fatal error (authentication, missing bucket, unreachable
// endpoint) is returned as the Status; objects that fail every attempt are
// counted in the summary instead and the run goes on, and deletes refused as
// unsafe are reported in the summary's `delete_refusal`.
Result<RunSummary> RunSync(store::ObjectStore& source, store::ObjectStore& destination,
                           const RunOptions& options, state::CheckpointStore* checkpoints,
                           std::stop_token stop);

}  // namespace ferry::engine
