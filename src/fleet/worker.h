// FleetWorker (`ferry worker --queue URL`): long-polls a work queue and does
// what each item says with the engine's ObjectExecutor: a batch of objects to
// settle (copied and proven, or proven identical), a batch of keys to delete,
// or a range of parts of one large object (read from the source, written into
// the multipart upload the planner began, each part's MD5 checked).
//
// Items carry the names of credentials, never secrets: the worker opens each
// side with its own environment (instance role, service account, profile).
// While an item is worked on its visibility is extended (InFlightMessages); it
// is deleted only after every object in it is settled and its result reached
// the results queue. An item with a failed object goes back to the queue after
// a growing delay, and after the queue's maxReceiveCount receives to its
// dead-letter queue (its last result says "final"). A redelivered item first
// compares each object with the destination, so nothing done is done again.
// A stop (SIGTERM) lets the current long poll end, cancels the work and makes
// every unfinished item visible again at once. Given an events spec, the
// worker also applies S3 event notifications found on its queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "events/event_watch.h"
#include "queue/sqs_client.h"

namespace ferry::fleet {

struct WorkerOptions {
  std::string queue_url;
  int concurrency = 64;            // objects (and parts) in flight at once
  uint64_t memory = uint64_t{1} << 30;  // bytes of transfer buffers at most
  int items_at_once = 4;           // items worked on at once
  int visibility_timeout = 120;    // seconds; extended while an item is worked on
  int max_attempts = 0;            // per object; 0 = the item's
  std::string state_dir;           // multipart checkpoints of whole-object copies
  std::string name;                // names this worker in results: host:pid
  // With a spec (job::SpecToJson): S3 event notifications that arrive on the
  // queue are applied to its two sides as `ferry watch` applies them, so events
  // and planned items share one fleet. Null: such messages are poison.
  nlohmann::json events_spec;
  events::WatchedSource events_source;  // the bucket and prefix the events must name
};

// Live counters, for /metrics.
struct WorkerCounters {
  std::atomic<uint64_t> items_received{0};
  std::atomic<uint64_t> items_done{0};
  std::atomic<uint64_t> items_failed{0};   // handed back (or to the dead-letter queue)
  std::atomic<uint64_t> items_poison{0};   // not a readable work item
  std::atomic<uint64_t> items_in_flight{0};
  std::atomic<uint64_t> objects_copied{0};
  std::atomic<uint64_t> objects_same{0};
  std::atomic<uint64_t> objects_deleted{0};
  std::atomic<uint64_t> objects_failed{0};
  std::atomic<uint64_t> parts_uploaded{0};
  std::atomic<uint64_t> bytes{0};
  events::WatchCounters events;  // S3 event messages applied (with events_spec)
};

// Runs until `stop`; returns OK then, or the error that made work impossible
// (the queue refused the credentials or does not exist).
Status RunWorker(queue::SqsClient& sqs, const WorkerOptions& options, WorkerCounters& counters,
                 std::stop_token stop);

}  // namespace ferry::fleet
