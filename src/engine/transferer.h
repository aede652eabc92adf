// Transferer: moves one object from a source store to a destination store and
// proves it arrived intact.
//
// Per object it picks a server-side copy (same service and credentials), a
// single PUT (below the multipart threshold), or a multipart upload whose parts
// are read with ranged GETs and uploaded in parallel on the part pool, each part
// held in memory only, within the byte budget. Every write carries Content-MD5;
// every result is compared with what the source claims (its ETag) and with what
// the destination reports. Multipart uploads are checkpointed part by part, so
// a restarted run resumes them, and are aborted when they cannot finish.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <stop_token>
#include <string>

#include "core/rate_limiter.h"
#include "core/thread_pool.h"
#include "engine/differ.h"
#include "engine/part_plan.h"
#include "state/checkpoint_store.h"
#include "store/object_store.h"

namespace ferry::engine {

struct TransferOptions {
  // Objects above this go multipart. Below it one PUT carries the source's MD5 ETag
  // as Content-MD5 and ferry hashes nothing; a multipart copy hashes every part.
  uint64_t multipart_threshold = uint64_t{200} << 20;
  uint64_t part_size = 0;                             // 0 = automatic (PlanParts)
  bool copy_metadata = true;   // Content-Type, Cache-Control, ..., x-amz-meta-*
  bool copy_tags = false;      // --tags: one GetObjectTagging per copied object
  bool server_side_copy = true;
  store::WriteSettings settings;
};

enum class TransferMethod { kPut, kMultipart, kServerSideCopy, kAlreadyThere };

struct TransferOutcome {
  TransferMethod method = TransferMethod::kPut;
  uint64_t bytes = 0;
  int parts_resumed = 0;  // parts found done from an earlier run
};

const char* TransferMethodName(TransferMethod method);

// Counts bytes as they are written, for progress.
struct TransferCounters {
  std::atomic<uint64_t> bytes_done{0};
};

class Transferer {
 public:
  // `checkpoints` may be null (no resume).
  Transferer(store::ObjectStore& source, store::ObjectStore& destination, TransferOptions options,
             ThreadPool& part_pool, ByteBudget& budget, RateLimiter& bandwidth,
             state::CheckpointStore* checkpoints, TransferCounters& counters);

  // Copies `object` (as listed). Errors: DataLoss when a checksum disagrees (retry),
  // the store's errors otherwise.
  Result<TransferOutcome> Copy(const store::ObjectEntry& object, std::stop_token stop);

  // For Action::kCheck: true when the destination already holds the source's
  // bytes, as recorded at copy time (metadata "ferry-source-etag").
  Result<bool> AlreadyCopied(const Decision& decision, std::stop_token stop);

  // Aborts every checkpointed upload (the run is over and they will not resume).
  Status AbortLeftovers(std::stop_token stop);

  static constexpr const char* kSourceEtagKey = "ferry-source-etag";

 private:
  Result<TransferOutcome> CopyWhole(const store::ObjectEntry& object, std::stop_token stop);
  Result<TransferOutcome> CopyInParts(const store::ObjectEntry& object, std::stop_token stop);
  // The upload to send the parts to: a checkpointed upload of this same source version,
  // with `done` set to the parts the destination already holds, or a new one.
  Result<std::string> ResumeOrBegin(const std::string& key, uint64_t size, const PartPlan& plan,
                                    const std::string& source_etag,
                                    const store::ObjectMeta& to_write,
                                    std::map<int, state::FinishedPart>& done,
                                    std::stop_token stop);
  // True when the destination's ETags are the MD5 of what was written (not SSE-KMS).
  bool DestinationEtagsAreMd5() const;
  store::ObjectMeta MetaToWrite(const store::ObjectMeta& source_meta) const;
  // The write settings for one object: the run's, plus the source's tags with --tags.
  Result<store::WriteSettings> SettingsFor(const std::string& key, std::stop_token stop);

  store::ObjectStore& source_;
  store::ObjectStore& destination_;
  const TransferOptions options_;
  ThreadPool& part_pool_;
  ByteBudget& budget_;
  RateLimiter& bandwidth_;  // --bwlimit, on the bytes ferry uploads
  state::CheckpointStore* checkpoints_;
  TransferCounters& counters_;
};

}  // namespace ferry::engine
