// Transferer's multipart copies: parts read with ranged GETs and uploaded in
// parallel, each a coroutine holding its memory and part slot, checkpointed,
// resumed, and proven before the upload is completed.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/md5.h"
#include "core/mutex.h"
#include "engine/ordered_digest.h"
#include "engine/part_plan.h"
#include "engine/transfer_checks.h"
#include "engine/transferer.h"

namespace ferry::engine {

namespace {

// How far ahead of ours a server's clock may be when it dates an upload.
constexpr int64_t kClockSkewSeconds = 15 * 60;

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// What the parts of one multipart copy share.
struct Transferer::PartJob {
  const store::ObjectEntry& object;
  const store::ObjectMeta& meta;
  const PartPlan& plan;
  const std::string upload_id;
  const bool whole_proof;  // hash the whole object in order (a single-part source)
  std::stop_source stop_parts;
  OrderedDigest whole;
  TaskGroup group;
  Mutex mu;
  Status first_error GUARDED_BY(mu);
  std::map<int, state::FinishedPart> done GUARDED_BY(mu);

  // The first failure stops the other parts.
  void Fail(Status st) {
    {
      MutexLock lock(mu);
      if (!first_error.ok()) return;
      first_error = std::move(st);
    }
    stop_parts.request_stop();
    whole.Abandon();
  }
};

Task<Result<TransferOutcome>> Transferer::CopyInParts(const store::ObjectEntry& object,
                                                      const store::ObjectMeta& meta,
                                                      const PartPlan& plan, bool source_layout,
                                                      std::stop_token stop) {
  const uint64_t size = meta.size;
  // The proof of this copy: the source's multipart ETag recomputed from the
  // parts' MD5s when its layout is reproduced, else the MD5 of the whole object
  // against a single-part source's ETag.
  const bool layout_proof = source_layout && meta.sse != "aws:kms";
  const bool whole_proof = !source_layout && EtagIsMd5(meta.etag, meta.sse);
  const bool etag_carries_over = layout_proof && DestinationEtagsAreMd5();
  const store::ObjectMeta to_write = MetaToWrite(meta, /*record_source_etag=*/!etag_carries_over);

  std::map<int, state::FinishedPart> resumed_parts;
  auto upload_id =
      co_await ResumeOrBegin(object.key, size, plan, meta.etag, to_write, resumed_parts, stop);
  if (!upload_id.ok()) co_return std::move(upload_id).take_error();
  PartJob job{object, meta, plan, *upload_id, whole_proof};
  const int resumed = static_cast<int>(resumed_parts.size());
  std::vector<bool> already_stored(static_cast<size_t>(plan.parts) + 1, false);
  for (const auto& [n, part] : resumed_parts) already_stored[static_cast<size_t>(n)] = true;
  {
    MutexLock lock(job.mu);  // no part runs yet, but done is only touched under mu
    job.done = std::move(resumed_parts);
  }
  std::stop_callback forward(stop, [&job] {
    job.stop_parts.request_stop();
    job.whole.Abandon();
  });

  for (int n = 1; n <= plan.parts && !job.stop_parts.stop_requested(); ++n) {
    const bool stored = already_stored[static_cast<size_t>(n)];
    if (stored) {
      counters_.bytes_done += plan.Length(n, size);
      if (!whole_proof) continue;  // read again only to hash the whole object
    }
    // Leased in part order, so that a part waiting for its turn to be hashed
    // never holds memory an earlier part needs (see OrderedDigest).
    const uint64_t bytes = std::max<uint64_t>(plan.Length(n, size), 1);
    co_await res_.memory.Acquire(bytes);
    SemaphoreLease memory(res_.memory, bytes);
    co_await res_.part_slots.Acquire(1);
    SemaphoreLease slot(res_.part_slots, 1);
    job.group.Spawn(RunPart(job, n, stored, std::move(memory), std::move(slot)));
  }
  co_await job.group.Wait();
  Status first_error;
  std::map<int, state::FinishedPart> done;
  {
    MutexLock lock(job.mu);
    first_error = job.first_error;
    done = std::move(job.done);
  }
  if (first_error.ok() && stop.stop_requested()) first_error = Status::Cancelled();
  if (!first_error.ok()) {
    // With checkpoints the upload waits for the next attempt (its parts are
    // verified); without, nothing may linger.
    if (checkpoints_ == nullptr) (void)co_await destination_.AbortMultipartAsync(object.key, job.upload_id, {});
    co_return first_error;
  }

  // The proof, before the upload is completed: an unproven object never replaces
  // what the destination holds.
  std::vector<store::PartEtag> parts;
  std::string digests;
  for (const auto& [n, part] : done) {
    parts.push_back({n, part.etag});
    digests += Md5::Unhex(part.md5_hex);
  }
  const std::string expected = MultipartEtag(digests, plan.parts);
  if (layout_proof && expected != meta.etag) {
    co_await Discard(object.key, job.upload_id);
    co_return Mismatch("multipart ETag of the bytes read from the source", object.key, meta.etag,
                       expected);
  }
  if (whole_proof) {
    const std::string whole_md5 = job.whole.FinishHex();
    if (whole_md5 != meta.etag) {
      co_await Discard(object.key, job.upload_id);
      co_return Mismatch("MD5 of the bytes read from the source", object.key, meta.etag,
                         whole_md5);
    }
  }
  auto etag = co_await destination_.CompleteMultipartAsync(object.key, job.upload_id, parts, stop);
  if (!etag.ok()) {
    if (etag.error().code() == Code::kNotFound && checkpoints_ != nullptr) {
      // NoSuchUpload: the upload vanished; forget it so the retry starts clean.
      (void)checkpoints_->RemoveUpload(object.key);
    }
    co_return std::move(etag).take_error();
  }
  if (checkpoints_ != nullptr) {
    if (Status st = checkpoints_->RemoveUpload(object.key); !st.ok()) co_return st;
  }
  if (DestinationEtagsAreMd5() && *etag != expected) {
    co_return Mismatch("destination ETag", object.key, expected, *etag);
  }
  const bool verified = layout_proof || whole_proof || meta.etag.empty();
  co_return TransferOutcome{TransferMethod::kMultipart, size, resumed, verified};
}

Task<void> Transferer::RunPart(PartJob& job, int part_number, bool stored, SemaphoreLease memory,
                               SemaphoreLease slot) {
  Status st = co_await CopyPart(job, part_number, stored);
  if (!st.ok()) job.Fail(std::move(st));
  (void)memory, (void)slot;  // held until here
}

Task<Status> Transferer::CopyPart(PartJob& job, int n, bool stored) {
  const store::ObjectEntry& object = job.object;
  const uint64_t offset = job.plan.Offset(n);
  const uint64_t length = job.plan.Length(n, job.meta.size);
  std::stop_token stop = job.stop_parts.get_token();
  if (stop.stop_requested()) co_return Status::Cancelled();
  InFlightBytes in_flight(counters_);
  std::string buffer;
  buffer.reserve(length);
  auto read = co_await source_.ReadAsync(
      object.key, offset, length,
      [&](std::string_view chunk) {
        buffer.append(chunk);
        if (!stored) in_flight.Add(chunk.size());
        return true;
      },
      stop);
  if (!read.ok()) co_return std::move(read).take_error();
  if (buffer.size() != length) {
    co_return Mismatch("part " + std::to_string(n) + " size", object.key, std::to_string(length),
                       std::to_string(buffer.size()));
  }
  if (!job.meta.etag.empty() && !read->etag.empty() && read->etag != job.meta.etag) {
    co_return Mismatch("source ETag during the copy (the object changed)", object.key,
                       job.meta.etag, read->etag);
  }
  co_await Schedule(res_.hashing);
  std::string digest;
  if (!stored) digest = Md5::Digest(buffer);
  if (job.whole_proof) {
    if (!co_await job.whole.Turn(n)) co_return Status::Cancelled();
    job.whole.Feed(n, buffer);
  }
  if (stored) co_return Status::OK();
  state::FinishedPart part{n, "", Md5::Hex(digest)};
  if (!co_await Pace(length, stop)) co_return Status::Cancelled();
  auto etag = co_await destination_.PutPartAsync(object.key, job.upload_id, n, offset, buffer,
                                                 Md5::Base64(digest), stop);
  if (!etag.ok()) co_return std::move(etag).take_error();
  // Checked here too: not every server checks Content-MD5 (moto does not).
  if (DestinationEtagsAreMd5() && *etag != part.md5_hex) {
    co_return Mismatch("part " + std::to_string(n) + " ETag", object.key, part.md5_hex, *etag);
  }
  part.etag = *etag;
  counters_.bytes_done += length;
  if (checkpoints_ != nullptr) {
    co_await Schedule(res_.hashing);  // a database write, off the HTTP loop
    if (Status st = checkpoints_->SavePart(object.key, part); !st.ok()) co_return st;
  }
  MutexLock lock(job.mu);
  job.done[n] = std::move(part);
  co_return Status::OK();
}

Task<Result<std::string>> Transferer::ResumeOrBegin(const std::string& key, uint64_t size,
                                                    const PartPlan& plan,
                                                    const std::string& source_etag,
                                                    const store::ObjectMeta& to_write,
                                                    std::map<int, state::FinishedPart>& done,
                                                    std::stop_token stop) {
  if (checkpoints_ != nullptr) {
    auto found = checkpoints_->FindUpload(key);
    if (!found.ok()) co_return std::move(found).take_error();
    if (found->has_value()) {
      const state::UploadCheckpoint cp = **found;
      const bool same = cp.size == size && cp.part_size == plan.part_size &&
                        cp.source_etag == source_etag;
      Result<std::vector<store::PartEtag>> listed = Status::NotFound("stale");
      if (same) listed = co_await destination_.ListUploadedPartsAsync(cp.key, cp.upload_id, stop);
      if (listed.ok()) {
        auto recorded = checkpoints_->Parts(key);
        if (!recorded.ok()) co_return std::move(recorded).take_error();
        std::map<int, state::FinishedPart> by_number;
        for (const auto& p : *recorded) by_number[p.part_number] = p;
        // Only parts ferry recorded as verified count; a part the server lists
        // but ferry never checked (killed before its checkpoint, or refused as
        // damaged) is sent again.
        for (const auto& p : *listed) {
          auto it = by_number.find(p.part_number);
          const bool size_ok = p.size == 0 || p.part_number > plan.parts ||
                               p.size == plan.Length(p.part_number, size);
          if (it != by_number.end() && it->second.etag == p.etag && size_ok) {
            done[p.part_number] = it->second;
          }
        }
        spdlog::info("resuming upload of '{}': {} of {} parts already stored", key, done.size(),
                     plan.parts);
        co_return cp.upload_id;
      }
      (void)co_await destination_.AbortMultipartAsync(cp.key, cp.upload_id, stop);
      if (Status st = checkpoints_->RemoveUpload(key); !st.ok()) co_return st;
    }
  }
  auto settings = co_await SettingsFor(key, stop);
  if (!settings.ok()) co_return std::move(settings).take_error();
  // Recorded before the request: if its answer is lost (or this process dies
  // before the checkpoint below), AbortLeftovers finds the upload by key and time.
  bool first_attempt = false;
  if (checkpoints_ != nullptr) {
    auto recorded = checkpoints_->SaveUploadAttempt({key, UnixNow()});
    if (!recorded.ok()) co_return std::move(recorded).take_error();
    first_attempt = *recorded;
  }
  auto begun = co_await destination_.BeginMultipartAsync(key, to_write, *settings, stop);
  if (!begun.ok()) co_return std::move(begun).take_error();
  if (checkpoints_ != nullptr) {
    Status st = checkpoints_->SaveUpload({key, *begun, size, plan.part_size, source_etag});
    if (!st.ok()) co_return st;
    // Answered at the first try: nothing else can be open for this key. After an
    // unanswered attempt the record stays, for AbortLeftovers to look.
    if (first_attempt) {
      if (Status removed = checkpoints_->RemoveUploadAttempt(key); !removed.ok()) {
        co_return removed;
      }
    }
  }
  co_return begun;
}

Task<void> Transferer::Discard(const std::string& key, const std::string& upload_id) {
  (void)co_await destination_.AbortMultipartAsync(key, upload_id, {});
  if (checkpoints_ != nullptr) (void)checkpoints_->RemoveUpload(key);
}

Status Transferer::AbortLeftovers(std::stop_token stop) {
  if (checkpoints_ == nullptr) return Status::OK();
  auto uploads = checkpoints_->AllUploads();
  if (!uploads.ok()) return std::move(uploads).take_error();
  for (const auto& u : *uploads) {
    FERRY_RETURN_IF_ERROR(destination_.AbortMultipart(u.key, u.upload_id, stop));
    FERRY_RETURN_IF_ERROR(checkpoints_->RemoveUpload(u.key));
  }
  return AbortUnansweredUploads(stop);
}

Status Transferer::AbortUnansweredUploads(std::stop_token stop) {
  auto attempts = checkpoints_->UploadAttempts();
  if (!attempts.ok()) return std::move(attempts).take_error();
  for (const auto& attempt : *attempts) {
    auto open = destination_.ListOpenUploads(attempt.key, stop);
    if (!open.ok() && open.error().code() != Code::kNotSupported) {
      // Kept for the next run to look again; this run's copies are done.
      spdlog::warn("could not list the uploads of '{}' to abort one never answered: {}",
                   attempt.key, open.error().ToString());
      continue;
    }
    for (const auto& u : open.ok() ? *open : std::vector<store::OpenUpload>{}) {
      // Every checkpointed upload was completed or aborted above, so an upload of
      // this key begun since the attempt is one whose answer never came back. The
      // margin allows for the server's clock being ahead of ours.
      if (u.initiated_unix != 0 && u.initiated_unix < attempt.since_unix - kClockSkewSeconds) {
        continue;  // older than ferry's attempt: not ferry's
      }
      spdlog::info("aborting upload {} of '{}': created by an attempt whose answer was lost",
                   u.upload_id, attempt.key);
      FERRY_RETURN_IF_ERROR(destination_.AbortMultipart(attempt.key, u.upload_id, stop));
    }
    FERRY_RETURN_IF_ERROR(checkpoints_->RemoveUploadAttempt(attempt.key));
  }
  return Status::OK();
}

}  // namespace ferry::engine
