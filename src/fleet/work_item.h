// Fleet work items and their results, as SQS message bodies (JSON).
//
// A work item is what one worker does at a time: a batch of objects to settle
// (copy, or prove then copy), a batch of keys to delete (sync --delete), or a
// range of parts of one large object whose multipart upload the planner
// began. It carries everything a worker needs to open the two sides (the
// run's spec: locations, endpoint settings, options, the names of
// credentials, never secrets) and the results queue to report to.
//
//   {"v": 1, "run": "...", "item": "...", "kind": "objects" | "deletes" | "parts",
//    "results": "https://sqs.../results", "spec": {...},
//    "objects": [[key, size, etag, mtime_ms], ...],                      copy
//    "checks": [[key, size, etag, mtime_ms, dst_size, dst_etag, dst_mtime_ms], ...],
//    "deletes": [key, ...],
//    "part": {"key", "upload_id", "size", "etag", "mtime_ms", "part_size", "parts",
//             "starts": [...], "first": 1, "last": 64}}
//
// A result says what one receive of an item did:
//   {"v": 1, "run", "item", "worker", "receive": 2, "done": true, "final": false,
//    "copied", "same", "deleted", "bytes", "unverified",
//    "failures": [{"key", "attempts", "error"}], "parts": [[n, etag, size], ...]}
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/part_plan.h"
#include "engine/sync_run.h"
#include "store/object_store.h"

namespace ferry::fleet {

enum class ItemKind { kObjects, kDeletes, kParts };

struct ItemObject {
  store::ObjectEntry source;
  // Set when the listings could not decide (same size, other ETag): the worker
  // proves before it copies. Empty key otherwise.
  store::ObjectEntry destination;
};

struct PartRange {
  std::string key;
  std::string upload_id;
  uint64_t size = 0;
  std::string etag;  // the source's, as planned: a changed source fails the item
  int64_t mtime_ms = 0;
  engine::PartPlan plan;
  int first = 1, last = 0;  // parts first..last of plan
};

struct WorkItem {
  std::string run;
  std::string id;
  ItemKind kind = ItemKind::kObjects;
  std::string results_url;
  nlohmann::json spec;  // job::SpecToJson
  std::vector<ItemObject> objects;
  std::vector<std::string> deletes;
  PartRange part;

  // Bytes this item moves (for progress).
  uint64_t bytes() const;
};

std::string EncodeItem(const WorkItem& item);
// Errors: InvalidArgument naming what is malformed (such an item is poison).
Result<WorkItem> DecodeItem(std::string_view body);
// True when `body` looks like a work item at all (another kind of message, an
// S3 event, is not one).
bool LooksLikeItem(std::string_view body);

// The size an object adds to an encoded item, to keep items within SQS's limit.
size_t EncodedSize(const ItemObject& object);

struct ItemResult {
  std::string run;
  std::string item;
  std::string worker;
  int receive = 1;
  bool done = false;   // every object settled (copied, identical, deleted): the item is over
  bool final = false;  // failed on its last receive: the queue moves it to the dead-letter queue
  uint64_t copied = 0, same = 0, deleted = 0, bytes = 0, unverified = 0;
  std::vector<engine::FailedObject> failures;
  std::vector<store::PartEtag> parts;  // part items: parts uploaded
};

std::string EncodeResult(const ItemResult& result);
Result<ItemResult> DecodeResult(std::string_view body);

}  // namespace ferry::fleet
