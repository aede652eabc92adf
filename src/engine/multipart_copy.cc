// Transferer's multipart copies: parts read with ranged GETs and uploaded in
// parallel on the part pool, checkpointed, resumed, and proven before the
// upload is completed.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/ordered_digest.h"
#include "engine/transfer_checks.h"
#include "engine/transferer.h"
#include "s3/checksum.h"

namespace ferry::engine {

using s3::Md5;

Result<TransferOutcome> Transferer::CopyInParts(const store::ObjectEntry& object,
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

  std::map<int, state::FinishedPart> done;
  auto upload_id = ResumeOrBegin(object.key, size, plan, meta.etag, to_write, done, stop);
  if (!upload_id.ok()) return std::move(upload_id).take_error();
  const int resumed = static_cast<int>(done.size());
  std::vector<bool> already_stored(static_cast<size_t>(plan.parts) + 1, false);
  for (const auto& [n, part] : done) already_stored[static_cast<size_t>(n)] = true;

  // Parts run on the part pool; the first failure stops the rest.
  std::mutex mu;
  std::condition_variable finished;
  int pending = 0;
  Status first_error;
  std::stop_source stop_parts;
  std::stop_callback forward(stop, [&] { stop_parts.request_stop(); });
  OrderedDigest whole;

  auto run_part = [&](int n, bool stored) -> Status {
    const uint64_t offset = plan.Offset(n);
    const uint64_t length = plan.Length(n, size);
    if (stop_parts.stop_requested()) return Status::Cancelled();
    InFlightBytes in_flight(counters_);
    std::string buffer;
    buffer.reserve(length);
    auto read = source_.Read(
        object.key, offset, length,
        [&](std::string_view chunk) {
          buffer.append(chunk);
          if (!stored) in_flight.Add(chunk.size());
          return true;
        },
        stop_parts.get_token());
    if (!read.ok()) return std::move(read).take_error();
    if (buffer.size() != length) {
      return Mismatch("part " + std::to_string(n) + " size", object.key, std::to_string(length),
                      std::to_string(buffer.size()));
    }
    if (!meta.etag.empty() && !read->etag.empty() && read->etag != meta.etag) {
      return Mismatch("source ETag during the copy (the object changed)", object.key, meta.etag,
                      read->etag);
    }
    if (whole_proof && !whole.Feed(n, buffer, stop_parts.get_token())) {
      return Status::Cancelled();
    }
    if (stored) return Status::OK();  // read again only to hash the whole object
    const std::string digest = Md5::Digest(buffer);
    state::FinishedPart part{n, "", Md5::Hex(digest)};
    (void)bandwidth_.Acquire(length, stop_parts.get_token());
    auto etag = destination_.PutPart(object.key, *upload_id, n, offset, buffer,
                                     Md5::Base64(digest), stop_parts.get_token());
    if (!etag.ok()) return std::move(etag).take_error();
    // Checked here too: not every server checks Content-MD5 (moto does not).
    if (DestinationEtagsAreMd5() && *etag != part.md5_hex) {
      return Mismatch("part " + std::to_string(n) + " ETag", object.key, part.md5_hex, *etag);
    }
    part.etag = *etag;
    counters_.bytes_done += length;
    if (checkpoints_ != nullptr) FERRY_RETURN_IF_ERROR(checkpoints_->SavePart(object.key, part));
    std::lock_guard lock(mu);
    done[n] = std::move(part);
    return Status::OK();
  };

  for (int n = 1; n <= plan.parts && !stop_parts.stop_requested(); ++n) {
    const bool stored = already_stored[static_cast<size_t>(n)];
    if (stored) {
      counters_.bytes_done += plan.Length(n, size);
      if (!whole_proof) continue;
    }
    // Leased here, in part order, so that a part waiting for its turn to be hashed
    // never holds memory an earlier part needs (see OrderedDigest).
    auto lease = std::make_shared<BudgetLease>(budget_, std::max<uint64_t>(plan.Length(n, size), 1));
    {
      std::lock_guard lock(mu);
      ++pending;
    }
    part_pool_.Submit([&, n, stored, lease] {
      Status st = run_part(n, stored);
      std::lock_guard lock(mu);
      if (!st.ok() && first_error.ok()) {
        first_error = std::move(st);
        stop_parts.request_stop();
        whole.Abandon();
      }
      if (--pending == 0) finished.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    finished.wait(lock, [&] { return pending == 0; });
  }
  if (first_error.ok() && stop.stop_requested()) first_error = Status::Cancelled();
  if (!first_error.ok()) {
    // With checkpoints the upload waits for the next attempt (its parts are
    // verified); without, nothing may linger.
    if (checkpoints_ == nullptr) (void)destination_.AbortMultipart(object.key, *upload_id, {});
    return first_error;
  }

  // The proof, before the upload is completed: an unproven object never replaces
  // what the destination holds.
  std::vector<store::PartEtag> parts;
  std::string digests;
  for (const auto& [n, part] : done) {
    parts.push_back({n, part.etag});
    digests += Md5::Unhex(part.md5_hex);
  }
  const std::string expected = s3::MultipartEtag(digests, plan.parts);
  if (layout_proof && expected != meta.etag) {
    Discard(object.key, *upload_id);
    return Mismatch("multipart ETag of the bytes read from the source", object.key, meta.etag,
                    expected);
  }
  if (whole_proof) {
    const std::string whole_md5 = whole.FinishHex();
    if (whole_md5 != meta.etag) {
      Discard(object.key, *upload_id);
      return Mismatch("MD5 of the bytes read from the source", object.key, meta.etag, whole_md5);
    }
  }
  auto etag = destination_.CompleteMultipart(object.key, *upload_id, parts, stop);
  if (!etag.ok()) {
    if (etag.error().code() == Code::kNotFound && checkpoints_ != nullptr) {
      // NoSuchUpload: the upload vanished; forget it so the retry starts clean.
      (void)checkpoints_->RemoveUpload(object.key);
    }
    return std::move(etag).take_error();
  }
  if (checkpoints_ != nullptr) FERRY_RETURN_IF_ERROR(checkpoints_->RemoveUpload(object.key));
  if (DestinationEtagsAreMd5() && *etag != expected) {
    return Mismatch("destination ETag", object.key, expected, *etag);
  }
  const bool verified = layout_proof || whole_proof || meta.etag.empty();
  return TransferOutcome{TransferMethod::kMultipart, size, resumed, verified};
}

Result<std::string> Transferer::ResumeOrBegin(const std::string& key, uint64_t size,
                                              const PartPlan& plan,
                                              const std::string& source_etag,
                                              const store::ObjectMeta& to_write,
                                              std::map<int, state::FinishedPart>& done,
                                              std::stop_token stop) {
  if (checkpoints_ != nullptr) {
    auto found = checkpoints_->FindUpload(key);
    if (!found.ok()) return std::move(found).take_error();
    if (found->has_value()) {
      const state::UploadCheckpoint& cp = **found;
      const bool same = cp.size == size && cp.part_size == plan.part_size &&
                        cp.source_etag == source_etag;
      auto listed = same ? destination_.ListUploadedParts(cp.key, cp.upload_id, stop)
                         : Result<std::vector<store::PartEtag>>(Status::NotFound("stale"));
      if (listed.ok()) {
        auto recorded = checkpoints_->Parts(key);
        if (!recorded.ok()) return std::move(recorded).take_error();
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
        return cp.upload_id;
      }
      (void)destination_.AbortMultipart(cp.key, cp.upload_id, stop);
      FERRY_RETURN_IF_ERROR(checkpoints_->RemoveUpload(key));
    }
  }
  auto settings = SettingsFor(key, stop);
  if (!settings.ok()) return std::move(settings).take_error();
  auto begun = destination_.BeginMultipart(key, to_write, *settings, stop);
  if (!begun.ok()) return std::move(begun).take_error();
  if (checkpoints_ != nullptr) {
    FERRY_RETURN_IF_ERROR(
        checkpoints_->SaveUpload({key, *begun, size, plan.part_size, source_etag}));
  }
  return begun;
}

void Transferer::Discard(const std::string& key, const std::string& upload_id) {
  (void)destination_.AbortMultipart(key, upload_id, {});
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
  return Status::OK();
}

}  // namespace ferry::engine
