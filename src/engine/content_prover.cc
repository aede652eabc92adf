#include "engine/content_prover.h"

#include "core/md5.h"
#include "engine/etag_hasher.h"
#include "engine/part_plan.h"
#include "engine/transfer_checks.h"

namespace ferry::engine {
namespace {

// Bytes read at a time to be hashed: memory per proof stays small.
constexpr uint64_t kProofRange = uint64_t{8} << 20;

Verdict SameIf(bool same) {
  return same ? Verdict{true, "same content"} : Verdict{false, "differs: content"};
}

}  // namespace

Task<Result<Verdict>> ContentProver::Prove(const store::ObjectEntry& src,
                                           const store::ObjectEntry& dst, bool read_bytes,
                                           std::stop_token stop) {
  if (!src.etag.empty() && destination_.HasMd5Etags()) {
    auto head = co_await destination_.HeadAsync(dst.key, stop);
    if (!head.ok()) co_return std::move(head).take_error();
    const auto& metadata = head->content.metadata;
    auto it = metadata.find(store::kSourceEtagMetadata);
    if (it != metadata.end() && it->second == src.etag) {
      co_return Verdict{true, "recorded source etag matches"};
    }
  }
  if (!read_bytes) co_return Verdict{false, "differs: etag"};
  // One side's ETag is the proof, the other side's bytes the evidence. The
  // destination's first: its bytes are what a user would otherwise copy again.
  auto by_destination = co_await MatchesEtagOf(destination_, dst, source_, src, stop);
  if (by_destination.ok()) co_return SameIf(*by_destination);
  if (by_destination.error().code() != Code::kNotSupported) {
    co_return std::move(by_destination).take_error();
  }
  auto by_source = co_await MatchesEtagOf(source_, src, destination_, dst, stop);
  if (by_source.ok()) co_return SameIf(*by_source);
  if (by_source.error().code() != Code::kNotSupported) {
    co_return std::move(by_source).take_error();
  }
  // Neither ETag proves anything (folders, SSE-KMS): both sides' bytes.
  Md5 a, b;
  Status st = co_await ReadHashed(source_, src, [&](std::string_view d) { a.Update(d); }, stop);
  if (!st.ok()) co_return st;
  st = co_await ReadHashed(destination_, dst, [&](std::string_view d) { b.Update(d); }, stop);
  if (!st.ok()) co_return st;
  co_return SameIf(a.Finish() == b.Finish());
}

Task<Result<bool>> ContentProver::MatchesEtagOf(store::ObjectStore& store,
                                                const store::ObjectEntry& entry,
                                                store::ObjectStore& other_store,
                                                const store::ObjectEntry& other,
                                                std::stop_token stop) {
  if (entry.etag.empty() || !store.HasMd5Etags()) co_return Status::NotSupported("no ETag");
  PartPlan plan;
  if (EtagPartCount(entry.etag) > 0) {
    auto layout = co_await LearnLayoutAsync(store, entry.key, entry.size, entry.etag, stop);
    if (!layout.ok()) co_return std::move(layout).take_error();
    plan = std::move(*layout);
  } else {
    // A 32-digit ETag is an MD5 unless SSE-KMS encrypted the object.
    auto head = co_await store.HeadAsync(entry.key, stop);
    if (!head.ok()) co_return std::move(head).take_error();
    if (!EtagIsMd5(head->etag, head->sse)) co_return Status::NotSupported("no MD5 ETag");
  }
  if (other.size != entry.size) co_return false;
  EtagHasher hasher(plan, other.size);
  Status st = co_await ReadHashed(
      other_store, other, [&](std::string_view d) { hasher.Update(d); }, stop);
  if (!st.ok()) co_return st;
  co_return hasher.Etag() == entry.etag;
}

Task<Status> ContentProver::ReadHashed(store::ObjectStore& store, const store::ObjectEntry& entry,
                                       const std::function<void(std::string_view)>& hash,
                                       std::stop_token stop) {
  std::string buffer;
  for (uint64_t offset = 0; offset < entry.size;) {
    const uint64_t length = std::min(kProofRange, entry.size - offset);
    buffer.clear();
    auto read = co_await store.ReadAsync(
        entry.key, offset, length,
        [&](std::string_view chunk) {
          buffer.append(chunk);
          return true;
        },
        stop);
    if (!read.ok()) co_return std::move(read).take_error();
    if (buffer.size() != length) {
      co_return Status::DataLoss("'" + entry.key + "' changed while it was read",
                                 "nothing; it is compared again on the next attempt");
    }
    co_await Schedule(hashing_);
    hash(buffer);
    offset += length;
  }
  co_return Status::OK();
}

}  // namespace ferry::engine
