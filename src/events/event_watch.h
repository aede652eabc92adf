// EventWatch: near-real-time replication from S3 event notifications on an SQS
// queue (`ferry watch`, and server tasks with an events trigger).
//
// Receivers long-poll the queue; each message's records are applied to the
// destination through the same ObjectExecutor a listing run uses (proofs,
// retries, checkpoints, report). Per key, work is serialized and an event older
// than one already applied is skipped: by its `sequencer` when it has one,
// else by the source's current state (an event whose ETag the source no longer
// holds was superseded: the newer version's own event applies it). A created
// event for an object gone by the time it is read is skipped with a log line;
// a removed event deletes from the destination (with --delete) only when the
// source has no such key now. A message is deleted from the queue only when
// every one of its records is done; a message with a failed record (or one
// that is no S3 event at all) is handed back with a growing delay, so the
// queue's redrive policy moves it to the dead-letter queue after
// maxReceiveCount receives. s3:TestEvent is consumed.
//
// A safety net: a full compare (listing both sides, as `ferry sync`) runs on a
// schedule; what it had to copy or delete is what events had missed (what the
// first one, at start, copies is counted apart: it predates the events).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/progress.h"
#include "engine/sync_run.h"
#include "queue/sqs_client.h"
#include "state/checkpoint_store.h"
#include "state/sequencer_store.h"
#include "store/object_store.h"

namespace ferry::events {

// The part of the source that events must name to be replicated.
struct WatchedSource {
  std::string bucket;
  std::string prefix;  // "" or ending in '/': keys outside it are ignored
};

struct WatchOptions {
  std::string queue_url;
  bool apply_removals = false;  // --delete: ObjectRemoved events delete from the destination
  int receivers = 2;            // long polls at once
  int visibility_timeout = 60;  // seconds; extended while a message's records are worked on
  int max_messages_in_flight = 100;
  std::string report_path;  // --report: a JSON line per event applied; "" = none
  // When the full compare runs: the next time (seconds since the epoch) after
  // one that ran at `previous` (nullopt: the watch just started); nullopt = never.
  std::function<std::optional<int64_t>(std::optional<int64_t> previous, int64_t now)> next_resync;
  // Also told every line logged at info or above (a server task's log).
  std::function<void(const std::string& level, const std::string& message)> log;
};

struct WatchCounters {
  std::atomic<uint64_t> messages{0};     // received (redeliveries counted again)
  std::atomic<uint64_t> test_events{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> copied{0};       // by events and compares
  std::atomic<uint64_t> same{0};         // already identical
  std::atomic<uint64_t> deleted{0};      // by events and compares
  std::atomic<uint64_t> stale{0};        // older than what was applied: skipped
  std::atomic<uint64_t> gone{0};         // created, but gone from the source when read
  std::atomic<uint64_t> ignored{0};      // outside the prefix or filters, other buckets, kinds
  std::atomic<uint64_t> failed{0};       // records that failed (their message comes back)
  std::atomic<uint64_t> unreadable{0};   // messages that are no S3 event
  std::atomic<uint64_t> resyncs{0};
  std::atomic<uint64_t> caught_up{0};    // copied or deleted by the compare at start
  std::atomic<uint64_t> missed{0};       // copied or deleted by later resyncs: events had missed them
  std::atomic<uint64_t> bytes{0};
};

struct WatchSummary {
  uint64_t messages = 0, test_events = 0, records = 0, copied = 0, same = 0, deleted = 0,
           stale = 0, gone = 0, ignored = 0, failed = 0, unreadable = 0, resyncs = 0, caught_up = 0,
           missed = 0, bytes = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> source_requests, destination_requests, queue_requests;
  std::vector<engine::FailedObject> failures;
};

struct WatchContext {
  store::ObjectStore* source = nullptr;
  store::ObjectStore* destination = nullptr;
  WatchedSource watched;
  const engine::RunOptions* options = nullptr;   // mode sync or copy
  state::CheckpointStore* checkpoints = nullptr;  // may be null
  state::SequencerStore* sequencers = nullptr;    // may be null: order by source state only
  queue::SqsClient* sqs = nullptr;
};

// Runs until `stop` is requested (then returns the summary: in-flight messages
// are handed back to the queue at once) or a fatal error (authentication, a
// missing bucket or queue). `counters`, when given, are updated live.
Result<WatchSummary> RunWatch(const WatchContext& context, const WatchOptions& watch,
                              std::stop_token stop, WatchCounters* counters = nullptr,
                              engine::RunCounters* run_counters = nullptr);

}  // namespace ferry::events
