// The fleet planner (`ferry sync|copy SRC DST --fleet QUEUE_URL`, and server
// tasks with a "fleet" object): lists and compares both sides as a run does,
// then sends work instead of copying it, and settles the run from the
// workers' results.
//
//   * Objects go into items of up to `item_objects` objects or `item_bytes`
//     bytes (and SQS's 256 KiB), sent ten to a SendMessageBatch and every send
//     retried until it is accepted or the run fails loudly (queue::SendAll).
//   * A multipart source of `part_threshold` bytes or more is copied in its own
//     part layout by the whole fleet: the planner begins one multipart upload
//     and sends one item per range of parts; when every part item is done it
//     lists the parts, proves that their MD5s make the source's ETag, and
//     completes the upload (or aborts it, and it is a failure).
//   * With --delete, delete items go out once both listings are complete and
//     the deletes are safe (as RunSync decides).
//   * Results from the results queue update the run's state (FleetStore), its
//     progress and its failures; items in the dead-letter queue are failures.
//     When every item is done or dead, a verifying compare of both sides runs.
//
// Killed and started again with the same command, the planner resumes the same
// run: planning continues after the last key it sent, finished items are not
// sent again, its multipart uploads are completed. Stopped (Ctrl-C) or failed,
// it aborts the multipart uploads it began.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/progress.h"
#include "engine/sync_run.h"
#include "fleet/fleet_queues.h"
#include "queue/sqs_client.h"
#include "state/fleet_store.h"
#include "store/object_store.h"

namespace ferry::fleet {

struct PlannerOptions {
  FleetQueues queues;
  std::string run_name;  // source -> destination, and the queue: names the run in the state
  int item_objects = 500;
  uint64_t item_bytes = uint64_t{1} << 30;
  uint64_t part_threshold = uint64_t{1} << 30;   // multipart sources this large: part items
  uint64_t part_item_bytes = uint64_t{1} << 30;  // bytes of parts per part item
  bool verify = true;  // the compare after every item is settled
  // Asked when the run is stopped: true aborts its uploads and ends it (Ctrl-C,
  // a task stopped by a user); false keeps it to resume (a server shutting down).
  std::function<bool()> abort_on_stop;
  engine::ProgressStyle progress = engine::ProgressStyle::kOff;
};

struct PlannerSummary {
  std::string run_id;
  bool resumed = false;
  uint64_t listed_source = 0, listed_destination = 0, matched = 0;
  uint64_t items = 0, part_items = 0, delete_items = 0, dead_items = 0;
  uint64_t copied = 0, same = 0, deleted = 0, bytes = 0, failed = 0;
  uint64_t differences = 0;  // found by the verifying compare
  uint64_t deletes_refused = 0;
  Status delete_refusal;
  double seconds = 0;
  std::vector<engine::FailedObject> failures;  // the first 1,000
  std::vector<std::string> differing;          // keys the verification found, the first 100
  std::map<std::string, uint64_t> queue_requests, source_requests, destination_requests;
};

// Runs to the end: every item done or dead-lettered, then the verification.
// A fatal error (authentication, a missing bucket or queue, a send that never
// succeeds) is returned as the Status; Cancelled when `stop` was requested.
Result<PlannerSummary> RunPlanner(store::ObjectStore& source, store::ObjectStore& destination,
                                  const engine::RunOptions& options,
                                  const nlohmann::json& spec, queue::SqsClient& sqs,
                                  state::FleetStore& state, const PlannerOptions& planner,
                                  std::stop_token stop, engine::RunCounters* counters = nullptr);

}  // namespace ferry::fleet
