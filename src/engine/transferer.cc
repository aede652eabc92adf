#include "engine/transferer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/md5.h"
#include "engine/transfer_checks.h"

namespace ferry::engine {
namespace {

constexpr uint64_t kMaxSingleRequestCopy = uint64_t{5} << 30;
// From this size a single PUT is streamed from its GET: what it saves in memory
// outweighs the HEAD it costs (the PUT's headers must be known before its body).
constexpr uint64_t kStreamFrom = uint64_t{8} << 20;
// A file is read twice when streamed (hashed, then sent), so it streams from a larger
// size (measured into SeaweedFS: 10 MiB files 10% slower streamed, 120 MiB ones 8 to
// 15% faster, with a third of the memory).
constexpr uint64_t kStreamFileFrom = uint64_t{32} << 20;
// Bytes a streamed copy holds between its GET and its PUT, from the --memory budget.
constexpr size_t kPipeBytes = size_t{1} << 20;

// Of the two ends of a streamed copy, the one that failed first: the other was
// only stopped by it (Cancelled), unless the run itself was stopped.
Status CauseOf(const Status& read, const Status& written) {
  if (!read.ok() && read.code() != Code::kCancelled) return read;
  if (!written.ok() && written.code() != Code::kCancelled) return written;
  return read.ok() ? written : read;
}

}  // namespace

const char* TransferMethodName(TransferMethod method) {
  switch (method) {
    case TransferMethod::kPut: return "put";
    case TransferMethod::kMultipart: return "multipart";
    case TransferMethod::kServerSideCopy: return "server-side copy";
  }
  return "";
}

Transferer::Transferer(store::ObjectStore& source, store::ObjectStore& destination,
                       TransferOptions options, TransferResources resources,
                       state::CheckpointStore* checkpoints, TransferCounters& counters)
    : source_(source),
      destination_(destination),
      options_(std::move(options)),
      res_(resources),
      checkpoints_(checkpoints),
      counters_(counters) {}

store::ObjectMeta Transferer::MetaToWrite(const store::ObjectMeta& m,
                                          bool record_source_etag) const {
  store::ObjectMeta out;
  out.size = m.size;
  out.mtime_ms = m.mtime_ms;
  if (options_.copy_metadata) {
    out.content = m.content;
    out.content.metadata.erase(store::kSourceEtagMetadata);
  } else if (auto it = m.content.metadata.find("mtime"); it != m.content.metadata.end()) {
    out.content.metadata["mtime"] = it->second;  // a folder's times survive without metadata
  }
  if (record_source_etag && !m.etag.empty()) {
    out.content.metadata[store::kSourceEtagMetadata] = m.etag;
  }
  return out;
}

Task<Result<store::WriteSettings>> Transferer::SettingsFor(const std::string& key,
                                                           std::stop_token stop) {
  store::WriteSettings settings = options_.settings;
  if (!options_.copy_tags) co_return settings;
  auto tags = co_await source_.GetTaggingAsync(key, stop);
  if (tags.ok()) {
    settings.tagging = *tags;
  } else if (tags.error().code() != Code::kNotSupported) {
    co_return std::move(tags).take_error();
  }
  co_return settings;
}

Task<bool> Transferer::Pace(uint64_t bytes, std::stop_token stop) {
  const auto wait = res_.bandwidth.Reserve(bytes);
  if (wait.count() > 0) co_await res_.timers.Sleep(wait, stop);
  co_return !stop.stop_requested();
}

bool Transferer::DestinationEtagsAreMd5() const {
  return destination_.HasMd5Etags() && options_.settings.sse != "aws:kms";
}

Task<Result<TransferOutcome>> Transferer::Copy(const store::ObjectEntry& object,
                                               std::stop_token stop) {
  if (EtagPartCount(object.etag) == 0) {
    if (options_.server_side_copy && object.size <= kMaxSingleRequestCopy) {
      auto copied = co_await CopyServerSide(object, {}, stop);
      if (copied.ok() || copied.error().code() != Code::kNotSupported) co_return copied;
    }
    if (object.size <= options_.multipart_threshold) co_return co_await CopyWhole(object, stop);
  }
  auto head = co_await source_.HeadAsync(object.key, stop);
  if (!head.ok()) co_return std::move(head).take_error();
  if (EtagPartCount(head->etag) > 0) {
    // A multipart source keeps its layout, so that the copy's ETag equals its own.
    auto layout = co_await LearnLayoutAsync(source_, object.key, head->size, head->etag, stop);
    if (!layout.ok() && layout.error().code() != Code::kNotSupported) {
      co_return std::move(layout).take_error();
    }
    if (layout.ok() && FitsStore(*layout, head->size, destination_)) {
      if (options_.server_side_copy && !part_copy_loses_etags_) {
        store::ObjectEntry current = object;
        current.etag = head->etag;
        current.size = head->size;
        auto copied = co_await CopyServerSide(current, *layout, stop);
        if (copied.ok() || copied.error().code() != Code::kNotSupported) co_return copied;
      }
      co_return co_await CopyInParts(object, *head, *layout, /*source_layout=*/true, stop);
    }
    spdlog::info("the part layout of '{}' cannot be reproduced ({}): copied in ferry's own "
                 "layout with its source ETag recorded",
                 object.key, layout.ok() ? "the destination's part limits" : "not told");
    // Its ETag is no MD5, so it cannot be streamed (CopyWhole would HEAD it again to learn that).
    if (head->size <= options_.multipart_threshold) co_return co_await CopyBuffered(object, stop);
  }
  const PartPlan own = PlanParts(head->size, options_.part_size, destination_);
  co_return co_await CopyInParts(object, *head, own, /*source_layout=*/false, stop);
}

Task<Result<TransferOutcome>> Transferer::CopyServerSide(const store::ObjectEntry& object,
                                                         const PartPlan& layout,
                                                         std::stop_token stop) {
  std::vector<uint64_t> part_sizes;
  for (int n = 1; n <= layout.parts; ++n) part_sizes.push_back(layout.Length(n, object.size));
  auto etag = co_await destination_.CopyFromAsync(source_, object.key, object.key, object.size,
                                                  part_sizes, options_.settings, stop);
  if (!etag.ok()) {
    if (etag.error().code() == Code::kNotSupported && !part_sizes.empty()) {
      part_copy_loses_etags_ = true;
    }
    co_return std::move(etag).take_error();
  }
  // The service copied bytes it already held: its ETag, equal to the source's,
  // proves the copy (unless SSE-KMS makes ETags random).
  const bool provable = DestinationEtagsAreMd5() && !object.etag.empty() && !etag->empty();
  if (provable && *etag != object.etag) {
    co_return Mismatch("server-side copy ETag", object.key, object.etag, *etag);
  }
  counters_.bytes_done += object.size;
  co_return TransferOutcome{TransferMethod::kServerSideCopy, object.size, 0, provable};
}

Task<Result<TransferOutcome>> Transferer::CopyWhole(const store::ObjectEntry& object,
                                                    std::stop_token stop) {
  // A streamed write is checked by the destination against the source's MD5 (S3's
  // Content-MD5 check, a folder's own hash): the bytes need not be held to be proven.
  // Folder to folder goes through memory, hashed once.
  const uint64_t stream_from = source_.HasMd5Etags() ? kStreamFrom : kStreamFileFrom;
  if (object.size < stream_from || !source_.CanStreamReads() ||
      !destination_.CanStreamWrites() ||
      (!source_.HasMd5Etags() && !destination_.HasMd5Etags())) {
    co_return co_await CopyBuffered(object, stop);
  }
  Result<store::ObjectMeta> head = Status::Cancelled();
  if (source_.HasMd5Etags()) {
    head = co_await source_.HeadAsync(object.key, stop);
    if (!head.ok()) co_return std::move(head).take_error();
    if (!EtagIsMd5(head->etag, head->sse)) co_return co_await CopyBuffered(object, stop);
  } else {
    // A file names no MD5: a first pass computes it, to go ahead of the bytes as
    // their Content-MD5 (rclone reads such files twice too). Bytes that change
    // between the passes are refused by the destination, then copied through memory.
    head = co_await HashWhole(object.key, stop);
    if (!head.ok()) co_return std::move(head).take_error();
  }
  auto streamed = co_await CopyStreamed(object, *head, stop);
  if (!streamed.ok() && streamed.error().code() == Code::kDataLoss) {
    // The destination refused the bytes or its ETag disagrees. Copied again through
    // memory, where the bytes can be hashed: that tells a source whose bytes differ
    // from its ETag from damage in transit.
    spdlog::info("'{}': {}; copying it again through memory", object.key,
                 streamed.error().ToString());
    co_return co_await CopyBuffered(object, stop);
  }
  co_return streamed;
}

Task<Result<TransferOutcome>> Transferer::CopyStreamed(const store::ObjectEntry& object,
                                                       const store::ObjectMeta& head,
                                                       std::stop_token stop) {
  co_await res_.memory.Acquire(kPipeBytes);
  SemaphoreLease lease(res_.memory, kPipeBytes);
  auto settings = co_await SettingsFor(object.key, stop);
  if (!settings.ok()) co_return std::move(settings).take_error();
  if (!co_await Pace(head.size, stop)) co_return Status::Cancelled();
  // The source's ETag is the MD5 of its bytes: sent as their Content-MD5, the
  // destination checks what it received against what the source holds, end to end.
  const std::string& md5_hex = head.etag;
  // Named, not a temporary: WriteFrom is a coroutine and keeps a reference to it.
  const std::string md5_base64 = Md5::Base64(Md5::Unhex(md5_hex));
  const store::ObjectMeta to_write = MetaToWrite(head, /*record_source_etag=*/
                                                 source_.HasMd5Etags() &&
                                                     !DestinationEtagsAreMd5());
  InFlightBytes in_flight(counters_);
  auto pipe = std::make_shared<BytePipe>(kPipeBytes, [&in_flight](size_t n) { in_flight.Add(n); });
  Result<store::ObjectMeta> read = Status::Cancelled();
  Result<std::string> etag = Status::Cancelled();
  TaskGroup both;
  both.Spawn(ReadInto(object.key, head.etag, pipe, read, stop));
  both.Spawn(WriteFrom(object.key, pipe, to_write, *settings, md5_base64, etag, stop));
  co_await both.Wait();
  if (!read.ok() || !etag.ok()) {
    co_return CauseOf(read.ok() ? Status::OK() : read.error(),
                      etag.ok() ? Status::OK() : etag.error());
  }
  if (pipe->bytes_written() != head.size) {
    co_return Mismatch("read size", object.key, std::to_string(head.size),
                       std::to_string(pipe->bytes_written()));
  }
  if (DestinationEtagsAreMd5() && *etag != md5_hex) {
    co_return Mismatch("destination ETag", object.key, md5_hex, *etag);
  }
  counters_.bytes_done += head.size;
  co_return TransferOutcome{TransferMethod::kPut, head.size, 0, /*verified=*/true};
}

Task<Result<store::ObjectMeta>> Transferer::HashWhole(const std::string& key,
                                                      std::stop_token stop) {
  Md5 md5;
  auto meta = co_await source_.ReadAsync(
      key, 0, 0,
      [&md5](std::string_view chunk) {
        md5.Update(chunk);
        return true;
      },
      stop);
  if (!meta.ok()) co_return meta;
  meta->etag = Md5::Hex(md5.Finish());
  co_return meta;
}

Task<void> Transferer::ReadInto(const std::string& key, const std::string& etag,
                                std::shared_ptr<BytePipe> pipe, Result<store::ObjectMeta>& out,
                                std::stop_token stop) {
  out = co_await source_.ReadIntoAsync(key, etag, pipe, stop);
  pipe->CloseWriter(out.ok());
}

Task<void> Transferer::WriteFrom(const std::string& key, std::shared_ptr<BytePipe> pipe,
                                 const store::ObjectMeta& meta,
                                 const store::WriteSettings& settings,
                                 const std::string& content_md5, Result<std::string>& out,
                                 std::stop_token stop) {
  out = co_await destination_.PutFromAsync(key, pipe, meta.size, meta, settings, content_md5,
                                           stop);
  pipe->CloseReader();
}

Task<Result<TransferOutcome>> Transferer::CopyBuffered(const store::ObjectEntry& object,
                                                       std::stop_token stop) {
  const uint64_t reserve = std::max<uint64_t>(object.size, 1);
  co_await res_.memory.Acquire(reserve);
  SemaphoreLease lease(res_.memory, reserve);
  InFlightBytes in_flight(counters_);
  std::string data;
  data.reserve(object.size);
  auto meta = co_await source_.ReadAsync(
      object.key, 0, 0,
      [&](std::string_view chunk) {
        data.append(chunk);
        in_flight.Add(chunk.size());
        return true;
      },
      stop);
  if (!meta.ok()) co_return std::move(meta).take_error();
  if (data.size() != meta->size) {
    co_return Mismatch("read size", object.key, std::to_string(meta->size),
                       std::to_string(data.size()));
  }
  // A source ETag that is the MD5 of the bytes goes out as their Content-MD5 to
  // a destination that checks it (S3): the destination compares what it received
  // with what the source holds, end to end, and ferry need not hash every byte
  // itself (rclone does the same). Only when the destination refuses the bytes
  // are they hashed here, to tell a source whose bytes differ from its ETag from
  // damage in transit. A folder checks nothing: ferry hashes for it. The answered
  // ETag is compared in every case, for servers that do not check Content-MD5.
  const bool source_md5 = EtagIsMd5(meta->etag, meta->sse);
  std::string md5_hex, md5_base64;
  if (destination_.HasMd5Etags() && source_md5) {
    md5_hex = meta->etag;
    md5_base64 = Md5::Base64(Md5::Unhex(md5_hex));
  } else {
    co_await Schedule(res_.hashing);
    const std::string digest = Md5::Digest(data);
    md5_hex = Md5::Hex(digest);
    md5_base64 = Md5::Base64(digest);
    if (source_md5 && meta->etag != md5_hex) {
      co_return Mismatch("source MD5", object.key, meta->etag, md5_hex);
    }
  }
  auto settings = co_await SettingsFor(object.key, stop);
  if (!settings.ok()) co_return std::move(settings).take_error();
  if (!co_await Pace(data.size(), stop)) co_return Status::Cancelled();
  const bool record = !meta->etag.empty() && !(source_md5 && DestinationEtagsAreMd5());
  const store::ObjectMeta to_write = MetaToWrite(*meta, record);
  auto etag =
      co_await destination_.PutAsync(object.key, data, to_write, *settings, md5_base64, stop);
  if (!etag.ok()) {
    if (source_md5 && etag.error().code() == Code::kDataLoss) {
      co_await Schedule(res_.hashing);
      const std::string local = Md5::Hex(Md5::Digest(data));
      if (local != md5_hex) co_return Mismatch("source MD5", object.key, md5_hex, local);
    }
    co_return std::move(etag).take_error();
  }
  if (DestinationEtagsAreMd5() && *etag != md5_hex) {
    co_return Mismatch("destination ETag", object.key, md5_hex, *etag);
  }
  counters_.bytes_done += data.size();
  // A folder source has no ETag: the bytes read are the source's, and the
  // destination proved it holds them. A multipart or SSE-KMS ETag proves nothing here.
  const bool verified = meta->etag.empty() || source_md5;
  co_return TransferOutcome{TransferMethod::kPut, data.size(), 0, verified};
}

}  // namespace ferry::engine
