#include "engine/transferer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include "s3/checksum.h"

namespace ferry::engine {
namespace {

using s3::Md5;

// An ETag that is the MD5 of the bytes: single-part, not encrypted with KMS.
bool EtagIsMd5(const std::string& etag, const std::string& sse) {
  return etag.size() == 32 && !IsMultipartEtag(etag) && sse != "aws:kms";
}

// The base64 Content-MD5 of an MD5 written in hex (an ETag); empty if it is not hex.
std::string Md5HexToBase64(const std::string& hex) {
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string digest(hex.size() / 2, '\0');
  for (size_t i = 0; i < digest.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return "";
    digest[i] = static_cast<char>(hi * 16 + lo);
  }
  return Md5::Base64(digest);
}

Status Mismatch(const std::string& what, const std::string& key, const std::string& expected,
                const std::string& got) {
  return Status::DataLoss(what + " of '" + key + "' does not match: expected " + expected +
                              ", got " + got,
                          "nothing; the object is copied again");
}

}  // namespace

const char* TransferMethodName(TransferMethod method) {
  switch (method) {
    case TransferMethod::kPut: return "put";
    case TransferMethod::kMultipart: return "multipart";
    case TransferMethod::kServerSideCopy: return "server-side copy";
    case TransferMethod::kAlreadyThere: return "already there";
  }
  return "";
}

Transferer::Transferer(store::ObjectStore& source, store::ObjectStore& destination,
                       TransferOptions options, ThreadPool& part_pool, ByteBudget& budget,
                       RateLimiter& bandwidth, state::CheckpointStore* checkpoints,
                       TransferCounters& counters)
    : source_(source),
      destination_(destination),
      options_(std::move(options)),
      part_pool_(part_pool),
      budget_(budget),
      bandwidth_(bandwidth),
      checkpoints_(checkpoints),
      counters_(counters) {}

store::ObjectMeta Transferer::MetaToWrite(const store::ObjectMeta& m) const {
  store::ObjectMeta out;
  out.size = m.size;
  out.mtime_ms = m.mtime_ms;
  if (options_.copy_metadata) {
    out.content = m.content;
    out.content.metadata.erase(kSourceEtagKey);
  } else if (auto it = m.content.metadata.find("mtime"); it != m.content.metadata.end()) {
    out.content.metadata["mtime"] = it->second;  // a folder's times survive without metadata
  }
  return out;
}

Result<store::WriteSettings> Transferer::SettingsFor(const std::string& key, std::stop_token stop) {
  store::WriteSettings settings = options_.settings;
  if (!options_.copy_tags) return settings;
  auto tags = source_.GetTagging(key, stop);
  if (tags.ok()) {
    settings.tagging = *tags;
  } else if (tags.error().code() != Code::kNotSupported) {
    return std::move(tags).take_error();
  }
  return settings;
}

Result<TransferOutcome> Transferer::Copy(const store::ObjectEntry& object, std::stop_token stop) {
  if (options_.server_side_copy) {
    auto etag = destination_.CopyFrom(source_, object.key, object.key, object.size,
                                      options_.settings, stop);
    if (etag.ok()) {
      if (EtagIsMd5(object.etag, options_.settings.sse) && object.size <= (uint64_t{5} << 30) &&
          !etag->empty() && *etag != object.etag) {
        return Mismatch("server-side copy ETag", object.key, object.etag, *etag);
      }
      counters_.bytes_done += object.size;
      return TransferOutcome{TransferMethod::kServerSideCopy, object.size, 0};
    }
    if (etag.error().code() != Code::kNotSupported) return std::move(etag).take_error();
  }
  if (object.size <= options_.multipart_threshold) return CopyWhole(object, stop);
  return CopyInParts(object, stop);
}

Result<TransferOutcome> Transferer::CopyWhole(const store::ObjectEntry& object,
                                              std::stop_token stop) {
  BudgetLease lease(budget_, std::max<uint64_t>(object.size, 1));
  std::string data;
  data.reserve(object.size);
  auto meta = source_.Read(
      object.key, 0, 0,
      [&](std::string_view chunk) {
        data.append(chunk);
        return true;
      },
      stop);
  if (!meta.ok()) return std::move(meta).take_error();
  if (data.size() != meta->size) {
    return Mismatch("read size", object.key, std::to_string(meta->size),
                    std::to_string(data.size()));
  }
  // A source ETag that is the MD5 of the bytes goes out as their Content-MD5 to
  // a destination that checks it (S3): the destination compares what it received
  // with what the source holds, end to end, and ferry need not hash every byte
  // itself (rclone does the same). Only when the destination refuses the bytes
  // are they hashed here, to tell a source whose bytes differ from its ETag from
  // damage in transit. A folder checks nothing: ferry hashes for it.
  std::string md5_hex, md5_base64;
  if (destination_.HasMd5Etags() && EtagIsMd5(meta->etag, meta->sse)) {
    md5_hex = meta->etag;
    md5_base64 = Md5HexToBase64(md5_hex);
  }
  const bool source_md5 = !md5_base64.empty();
  if (!source_md5) {
    const std::string digest = Md5::Digest(data);
    md5_hex = Md5::Hex(digest);
    md5_base64 = Md5::Base64(digest);
    if (EtagIsMd5(meta->etag, meta->sse) && meta->etag != md5_hex) {
      return Mismatch("source MD5", object.key, meta->etag, md5_hex);
    }
  }
  auto settings = SettingsFor(object.key, stop);
  if (!settings.ok()) return std::move(settings).take_error();
  if (!bandwidth_.Acquire(data.size(), stop)) return Status::Cancelled();
  auto etag = destination_.Put(object.key, data, MetaToWrite(*meta), *settings, md5_base64, stop);
  if (!etag.ok()) {
    if (source_md5 && etag.error().code() == Code::kDataLoss) {
      const std::string local = Md5::Hex(Md5::Digest(data));
      if (local != md5_hex) return Mismatch("source MD5", object.key, md5_hex, local);
    }
    return std::move(etag).take_error();
  }
  if (DestinationEtagsAreMd5() && *etag != md5_hex) {
    return Mismatch("destination ETag", object.key, md5_hex, *etag);
  }
  counters_.bytes_done += data.size();
  return TransferOutcome{TransferMethod::kPut, data.size(), 0};
}

Result<TransferOutcome> Transferer::CopyInParts(const store::ObjectEntry& object,
                                                std::stop_token stop) {
  auto head = source_.Head(object.key, stop);
  if (!head.ok()) return std::move(head).take_error();
  const store::ObjectMeta& meta = *head;
  const uint64_t size = meta.size;

  // Reproduce the source's part layout when it can be learned: then the
  // destination's multipart ETag equals the source's and resyncs compare by ETag.
  PartPlan plan;
  if (IsMultipartEtag(meta.etag)) {
    auto layout = source_.FirstPart(object.key, stop);
    if (layout.ok()) plan = PlanFromLayout(size, *layout, destination_);
  }
  const bool same_layout = plan.parts > 0;
  if (!same_layout) plan = PlanParts(size, options_.part_size, destination_);

  store::ObjectMeta to_write = MetaToWrite(meta);
  const bool etag_will_differ = !same_layout && !meta.etag.empty();
  if (etag_will_differ) to_write.content.metadata[kSourceEtagKey] = meta.etag;

  std::map<int, state::FinishedPart> done;
  auto upload_id = ResumeOrBegin(object.key, size, plan, meta.etag, to_write, done, stop);
  if (!upload_id.ok()) return std::move(upload_id).take_error();

  // Parts run on the part pool; the first failure stops the rest.
  std::mutex mu;
  std::condition_variable finished;
  int pending = 0;
  Status first_error;
  std::stop_source stop_parts;
  std::stop_callback forward(stop, [&] { stop_parts.request_stop(); });
  const int resumed = static_cast<int>(done.size());
  for (int n = 1; n <= plan.parts; ++n) {
    if (done.count(n)) {
      counters_.bytes_done += plan.Length(n, size);
      continue;
    }
    {
      std::lock_guard lock(mu);
      ++pending;
    }
    part_pool_.Submit([&, n] {
      const uint64_t offset = plan.Offset(n);
      const uint64_t length = plan.Length(n, size);
      Status st;
      state::FinishedPart part{n, "", ""};
      if (!stop_parts.stop_requested()) {
        BudgetLease lease(budget_, std::max<uint64_t>(length, 1));
        std::string buffer;
        buffer.reserve(length);
        auto read = source_.Read(
            object.key, offset, length,
            [&](std::string_view chunk) {
              buffer.append(chunk);
              return true;
            },
            stop_parts.get_token());
        if (!read.ok()) {
          st = std::move(read).take_error();
        } else if (buffer.size() != length) {
          st = Mismatch("part " + std::to_string(n) + " size", object.key, std::to_string(length),
                        std::to_string(buffer.size()));
        } else if (!meta.etag.empty() && !read->etag.empty() && read->etag != meta.etag) {
          st = Mismatch("source ETag during the copy (the object changed)", object.key, meta.etag,
                        read->etag);
        } else {
          const std::string digest = Md5::Digest(buffer);
          part.md5_hex = Md5::Hex(digest);
          (void)bandwidth_.Acquire(length, stop_parts.get_token());
          auto etag = destination_.PutPart(object.key, *upload_id, n, offset, buffer,
                                           Md5::Base64(digest), stop_parts.get_token());
          if (!etag.ok()) {
            st = std::move(etag).take_error();
          } else if (DestinationEtagsAreMd5() && *etag != part.md5_hex) {
            st = Mismatch("part " + std::to_string(n) + " ETag", object.key, part.md5_hex, *etag);
          } else {
            part.etag = *etag;
            counters_.bytes_done += length;
            if (checkpoints_ != nullptr) st = checkpoints_->SavePart(object.key, part);
          }
        }
      } else {
        st = Status::Cancelled();
      }
      std::lock_guard lock(mu);
      if (st.ok()) {
        done[n] = part;
      } else if (first_error.ok()) {
        first_error = std::move(st);
        stop_parts.request_stop();
      }
      if (--pending == 0) finished.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    finished.wait(lock, [&] { return pending == 0; });
  }
  if (!first_error.ok()) {
    // With checkpoints the upload waits for the next attempt; without, nothing may linger.
    if (checkpoints_ == nullptr) (void)destination_.AbortMultipart(object.key, *upload_id, {});
    return first_error;
  }

  std::vector<store::PartEtag> parts;
  std::string digests;
  for (const auto& [n, part] : done) {
    parts.push_back({n, part.etag});
    std::string raw;
    for (size_t i = 0; i + 1 < part.md5_hex.size(); i += 2) {
      raw.push_back(static_cast<char>(std::stoi(part.md5_hex.substr(i, 2), nullptr, 16)));
    }
    digests += raw;
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
  const std::string expected = s3::MultipartEtag(digests, plan.parts);
  if (DestinationEtagsAreMd5() && *etag != expected) {
    return Mismatch("destination ETag", object.key, expected, *etag);
  }
  if (same_layout && meta.sse != "aws:kms" && expected != meta.etag) {
    return Mismatch("multipart ETag", object.key, meta.etag, expected);
  }
  return TransferOutcome{TransferMethod::kMultipart, size, resumed};
}

bool Transferer::DestinationEtagsAreMd5() const {
  return destination_.HasMd5Etags() && options_.settings.sse != "aws:kms";
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
        for (const auto& p : *listed) {
          auto it = by_number.find(p.part_number);
          if (it != by_number.end() && it->second.etag == p.etag) {
            done[p.part_number] = it->second;
          } else if (DestinationEtagsAreMd5() && p.size == plan.Length(p.part_number, size) &&
                     p.etag.size() == 32) {
            // Stored, but killed before its checkpoint was written. Only ferry sends parts
            // to this upload, each with a Content-MD5 the server checked, so its ETag is
            // the MD5 of the right bytes; the finished object's ETag is checked again.
            done[p.part_number] = {p.part_number, p.etag, p.etag};
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

Result<bool> Transferer::AlreadyCopied(const Decision& decision, std::stop_token stop) {
  auto head = destination_.Head(decision.destination.key, stop);
  if (!head.ok()) return std::move(head).take_error();
  const auto& metadata = head->content.metadata;
  auto it = metadata.find(kSourceEtagKey);
  return it != metadata.end() && it->second == decision.source.etag;
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
