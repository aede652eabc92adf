#include "engine/content_prover.h"

#include "engine/etag_hasher.h"
#include "engine/part_plan.h"
#include "engine/transfer_checks.h"

namespace ferry::engine {

Result<Verdict> ContentProver::Prove(const store::ObjectEntry& src, const store::ObjectEntry& dst,
                                     bool read_bytes, std::stop_token stop) {
  if (!src.etag.empty() && destination_.HasMd5Etags()) {
    auto head = destination_.Head(dst.key, stop);
    if (!head.ok()) return std::move(head).take_error();
    const auto& metadata = head->content.metadata;
    auto it = metadata.find(store::kSourceEtagMetadata);
    if (it != metadata.end() && it->second == src.etag) {
      return Verdict{true, "recorded source etag matches"};
    }
  }
  if (!read_bytes) return Verdict{false, "differs: etag"};
  // One side's ETag is the proof, the other side's bytes the evidence. The
  // destination's first: its bytes are what a user would otherwise copy again.
  auto by_destination = MatchesEtagOf(destination_, dst, source_, src, stop);
  if (by_destination.ok()) return Verdict{*by_destination, *by_destination ? "same content" : "differs: content"};
  if (by_destination.error().code() != Code::kNotSupported) {
    return std::move(by_destination).take_error();
  }
  auto by_source = MatchesEtagOf(source_, src, destination_, dst, stop);
  if (by_source.ok()) return Verdict{*by_source, *by_source ? "same content" : "differs: content"};
  if (by_source.error().code() != Code::kNotSupported) return std::move(by_source).take_error();
  // Neither ETag proves anything (folders, SSE-KMS): both sides' bytes.
  auto a = WholeMd5(source_, src.key, stop);
  if (!a.ok()) return std::move(a).take_error();
  auto b = WholeMd5(destination_, dst.key, stop);
  if (!b.ok()) return std::move(b).take_error();
  return *a == *b ? Verdict{true, "same content"} : Verdict{false, "differs: content"};
}

Result<bool> ContentProver::MatchesEtagOf(store::ObjectStore& store,
                                          const store::ObjectEntry& entry,
                                          store::ObjectStore& other_store,
                                          const store::ObjectEntry& other, std::stop_token stop) {
  if (entry.etag.empty() || !store.HasMd5Etags()) return Status::NotSupported("no ETag");
  PartPlan plan;
  if (EtagPartCount(entry.etag) > 0) {
    auto layout = LearnLayout(store, entry.key, entry.size, entry.etag, stop);
    if (!layout.ok()) return std::move(layout).take_error();
    plan = std::move(*layout);
  } else {
    // A 32-digit ETag is an MD5 unless SSE-KMS encrypted the object.
    auto head = store.Head(entry.key, stop);
    if (!head.ok()) return std::move(head).take_error();
    if (!EtagIsMd5(head->etag, head->sse)) return Status::NotSupported("no MD5 ETag");
  }
  EtagHasher hasher(plan, other.size);
  auto read = other_store.Read(
      other.key, 0, 0,
      [&](std::string_view chunk) {
        hasher.Update(chunk);
        return true;
      },
      stop);
  if (!read.ok()) return std::move(read).take_error();
  return read->size == entry.size && hasher.Etag() == entry.etag;
}

Result<std::string> ContentProver::WholeMd5(store::ObjectStore& store, const std::string& key,
                                            std::stop_token stop) {
  s3::Md5 md5;
  auto read = store.Read(
      key, 0, 0,
      [&](std::string_view chunk) {
        md5.Update(chunk);
        return true;
      },
      stop);
  if (!read.ok()) return std::move(read).take_error();
  return s3::Md5::Hex(md5.Finish());
}

}  // namespace ferry::engine
