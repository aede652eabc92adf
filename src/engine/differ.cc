#include "engine/differ.h"

namespace ferry::engine {

Result<CompareMode> ParseCompareMode(const std::string& text) {
  if (text == "size-etag") return CompareMode::kSizeEtag;
  if (text == "size-mtime") return CompareMode::kSizeMtime;
  if (text == "size") return CompareMode::kSize;
  if (text == "checksum") return CompareMode::kChecksum;
  return Status::InvalidArgument("unknown --compare '" + text + "'",
                                 "one of size-etag, size-mtime, size, checksum");
}

Decision Compare(const store::ObjectEntry& src, const store::ObjectEntry& dst, CompareMode mode) {
  auto decide = [&](Action action, std::string reason) {
    return Decision{action, std::move(reason), src, dst};
  };
  if (src.size != dst.size) {
    return decide(Action::kCopy, "differs: size " + std::to_string(src.size) + " \u2260 " +
                                     std::to_string(dst.size));
  }
  if (mode == CompareMode::kSize) return decide(Action::kSkip, "same size");
  if (!src.etag.empty() && src.etag == dst.recorded_etag) {
    return decide(Action::kSkip, "recorded source etag matches");
  }
  const bool both_etags = !src.etag.empty() && !dst.etag.empty();
  if ((mode == CompareMode::kSizeEtag || mode == CompareMode::kChecksum) && both_etags) {
    if (src.etag == dst.etag) return decide(Action::kSkip, "same size and etag");
    // The same bytes have different ETags in different part layouts or under
    // SSE-KMS; a copy whose layout could not be reproduced records the source's.
    return decide(Action::kCheck, "etags differ");
  }
  if (mode == CompareMode::kChecksum) return decide(Action::kCheck, "no common etag");
  // A side without ETags (a folder): the destination must be at least as new.
  // S3 keeps whole seconds, so a file written in the second of its upload is not newer.
  if (dst.mtime_ms / 1000 >= src.mtime_ms / 1000) return decide(Action::kSkip, "same size, not newer");
  return decide(Action::kCopy, "differs: newer in source");
}

Differ::Differ(ListingCursor& source, ListingCursor& destination, CompareMode mode,
               const KeyFilter& filter)
    : source_(source), destination_(destination), mode_(mode), filter_(filter) {}

const store::ObjectEntry* Differ::NextSource() {
  while (const store::ObjectEntry* e = source_.Next()) {
    if (filter_.KeyIncluded(e->key)) return e;
  }
  return nullptr;
}

const store::ObjectEntry* Differ::NextDestination() {
  while (const store::ObjectEntry* e = destination_.Next()) {
    if (filter_.KeyIncluded(e->key)) return e;
  }
  return nullptr;
}

std::optional<Decision> Differ::Next() {
  if (!started_) {
    started_ = true;
    src_ = NextSource();
    dst_ = NextDestination();
  }
  if (src_ == nullptr && dst_ == nullptr) return std::nullopt;
  // Keys compare as bytes (std::string's operator< is memcmp-based), S3's order.
  if (dst_ == nullptr || (src_ != nullptr && src_->key < dst_->key)) {
    Decision d{Action::kCopy, "missing in destination", *src_, {}};
    if (!filter_.InTimeWindow(*src_)) d = {Action::kSkip, "outside time window", *src_, {}};
    src_ = NextSource();
    return d;
  }
  if (src_ == nullptr || dst_->key < src_->key) {
    Decision d{Action::kDelete, "only in destination", {}, *dst_};
    dst_ = NextDestination();
    return d;
  }
  // A source outside the time window is left alone, and so is its destination copy.
  Decision d = filter_.InTimeWindow(*src_) ? Compare(*src_, *dst_, mode_)
                                           : Decision{Action::kSkip, "outside time window",
                                                      *src_, *dst_};
  src_ = NextSource();
  dst_ = NextDestination();
  return d;
}

}  // namespace ferry::engine
