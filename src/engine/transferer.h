// Transferer: moves one object from a source store to a destination store and
// proves it arrived intact.
//
// Per object it picks a server-side copy (same service and credentials), a
// single PUT (below the multipart threshold), or a multipart upload whose parts
// are read with ranged GETs and uploaded in parallel on the part pool, each part
// held in memory only, within the byte budget. A multipart source is always
// copied in its own part layout, whatever the threshold, so that the copy's ETag
// equals the source's and every later compare says "same" from listings alone.
//
// Every copy ends with a proof that the destination holds the source's bytes,
// checked before a multipart upload is completed: the source's multipart ETag
// recomputed from the parts' MD5s, or the whole object's MD5 (hashed in order as
// parts finish) against a single-part source's ETag. Every write carries
// Content-MD5 and every answered ETag is checked; no server is assumed to verify
// what it is sent. A source whose ETag proves nothing (SSE-KMS, a multipart
// layout the service will not tell) is copied and reported as unverified.
// Multipart uploads are checkpointed part by part, so a restarted run resumes
// them, and are aborted when they cannot finish.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <stop_token>
#include <string>

#include "core/task.h"
#include "engine/differ.h"
#include "engine/part_plan.h"
#include "engine/transfer_resources.h"
#include "state/checkpoint_store.h"
#include "store/object_store.h"

namespace ferry::engine {

struct TransferOptions {
  // Objects whose source is a single part and larger than this go multipart in
  // ferry's own parts; below it one PUT carries the source's MD5 ETag as
  // Content-MD5. Multipart sources keep their layout whatever the threshold.
  uint64_t multipart_threshold = uint64_t{200} << 20;
  uint64_t part_size = 0;                             // 0 = automatic (PlanParts)
  bool copy_metadata = true;   // Content-Type, Cache-Control, ..., x-amz-meta-*
  bool copy_tags = false;      // --tags: one GetObjectTagging per copied object
  bool server_side_copy = true;
  store::WriteSettings settings;
};

enum class TransferMethod { kPut, kMultipart, kServerSideCopy };

struct TransferOutcome {
  TransferMethod method = TransferMethod::kPut;
  uint64_t bytes = 0;
  int parts_resumed = 0;  // parts found done from an earlier run
  // False when nothing could prove the bytes (see the header comment); the
  // copy is kept and reported so.
  bool verified = true;
};

const char* TransferMethodName(TransferMethod method);

// Counts bytes for progress: written (done), and read for writes not yet done.
struct TransferCounters {
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> bytes_in_flight{0};
};

// The bytes one read adds to bytes_in_flight, taken back when it goes out of scope
// (the write ended, or the attempt failed).
class InFlightBytes {
 public:
  explicit InFlightBytes(TransferCounters& counters) : counters_(counters) {}
  ~InFlightBytes() { counters_.bytes_in_flight -= added_; }
  InFlightBytes(const InFlightBytes&) = delete;
  InFlightBytes& operator=(const InFlightBytes&) = delete;
  void Add(uint64_t n) {
    counters_.bytes_in_flight += n;
    added_ += n;
  }

 private:
  TransferCounters& counters_;
  uint64_t added_ = 0;
};

// Copies run as coroutines: every request suspends the copy instead of holding
// a thread, and hashing moves to the resources' hashing threads.
class Transferer {
 public:
  // `checkpoints` may be null (no resume).
  Transferer(store::ObjectStore& source, store::ObjectStore& destination, TransferOptions options,
             TransferResources resources, state::CheckpointStore* checkpoints,
             TransferCounters& counters);

  // Copies `object` (as listed; it must outlive the task). Errors: DataLoss when a
  // checksum disagrees (the attempt is retried), the stores' errors otherwise.
  Task<Result<TransferOutcome>> Copy(const store::ObjectEntry& object, std::stop_token stop);

  // Aborts every checkpointed upload (the run is over and they will not resume),
  // and any upload begun by an attempt whose answer never came back.
  Status AbortLeftovers(std::stop_token stop);

 private:
  struct PartJob;

  Task<Result<TransferOutcome>> CopyServerSide(const store::ObjectEntry& object,
                                               const PartPlan& layout, std::stop_token stop);
  // One PUT: streamed from the source's GET when both stores can and the
  // destination can check the source's MD5 (CopyStreamed), else through memory.
  Task<Result<TransferOutcome>> CopyWhole(const store::ObjectEntry& object, std::stop_token stop);
  Task<Result<TransferOutcome>> CopyBuffered(const store::ObjectEntry& object,
                                             std::stop_token stop);
  // The source's metadata with the MD5 of its bytes as ETag, read and hashed in
  // one pass (a folder's file, which names no MD5 of its own).
  Task<Result<store::ObjectMeta>> HashWhole(const std::string& key, std::stop_token stop);
  // `head` is the source's HEAD, whose ETag is the MD5 of the bytes.
  Task<Result<TransferOutcome>> CopyStreamed(const store::ObjectEntry& object,
                                             const store::ObjectMeta& head, std::stop_token stop);
  // The two ends of a streamed copy: each leaves its result in `out` and closes
  // its end of the pipe when it ends, whatever the store did.
  Task<void> ReadInto(const std::string& key, const std::string& etag,
                      std::shared_ptr<BytePipe> pipe, Result<store::ObjectMeta>& out,
                      std::stop_token stop);
  Task<void> WriteFrom(const std::string& key, std::shared_ptr<BytePipe> pipe,
                       const store::ObjectMeta& meta, const store::WriteSettings& settings,
                       const std::string& content_md5, Result<std::string>& out,
                       std::stop_token stop);
  // `meta` is the source's HEAD; `source_layout` says `plan` is the source's own.
  Task<Result<TransferOutcome>> CopyInParts(const store::ObjectEntry& object,
                                            const store::ObjectMeta& meta, const PartPlan& plan,
                                            bool source_layout, std::stop_token stop);
  // One part: read, hashed, fed to the whole-object digest in turn, uploaded,
  // checkpointed. Holds its memory and part slot until it ends.
  Task<void> RunPart(PartJob& job, int part_number, bool stored, SemaphoreLease memory,
                     SemaphoreLease slot);
  Task<Status> CopyPart(PartJob& job, int part_number, bool stored);
  // The upload to send the parts to: a checkpointed upload of this same source
  // version, with `done` set to the parts ferry recorded as verified and the
  // destination still holds, or a new one.
  Task<Result<std::string>> ResumeOrBegin(const std::string& key, uint64_t size,
                                          const PartPlan& plan, const std::string& source_etag,
                                          const store::ObjectMeta& to_write,
                                          std::map<int, state::FinishedPart>& done,
                                          std::stop_token stop);
  // Aborts the uploads of keys with a recorded unanswered attempt that began
  // since that attempt (AbortLeftovers' second half).
  Status AbortUnansweredUploads(std::stop_token stop);
  // Forgets an upload whose parts cannot be trusted, so the next attempt starts over.
  Task<void> Discard(const std::string& key, const std::string& upload_id);
  // Waits as long as --bwlimit requires before `bytes` go out.
  Task<bool> Pace(uint64_t bytes, std::stop_token stop);
  // True when the destination's ETags are the MD5 of what was written (not SSE-KMS).
  bool DestinationEtagsAreMd5() const;
  // What the destination is given besides the bytes; `record_source_etag` keeps
  // the source's ETag beside a copy whose own ETag will differ.
  store::ObjectMeta MetaToWrite(const store::ObjectMeta& source_meta,
                                bool record_source_etag) const;
  // The write settings for one object: the run's, plus the source's tags with --tags.
  Task<Result<store::WriteSettings>> SettingsFor(const std::string& key, std::stop_token stop);

  store::ObjectStore& source_;
  store::ObjectStore& destination_;
  const TransferOptions options_;
  TransferResources res_;
  state::CheckpointStore* checkpoints_;
  TransferCounters& counters_;
  // Set once the destination's server-side part copies turn out not to keep
  // part ETags (SeaweedFS): later multipart sources are streamed at once.
  std::atomic<bool> part_copy_loses_etags_{false};
};

}  // namespace ferry::engine
