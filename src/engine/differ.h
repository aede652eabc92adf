// Differ: a streaming merge-join of two sorted listings (rclone's march).
// Decides per key from what listings return alone: no HEAD per object, no
// whole-bucket map; memory is one page per side.
#pragma once

#include <optional>
#include <string>

#include "engine/filter.h"
#include "engine/listing_cursor.h"

namespace ferry::engine {

enum class CompareMode { kSizeEtag, kSizeMtime, kSize, kChecksum };

// Parses "size-etag" | "size-mtime" | "size" | "checksum".
Result<CompareMode> ParseCompareMode(const std::string& text);

enum class Action {
  kCopy,    // missing or different on the destination
  kCheck,   // same size, but the listings cannot prove the same bytes: a ContentProver decides
  kSkip,    // already identical
  kDelete,  // only on the destination
};

struct Decision {
  Action action = Action::kSkip;
  // What a user reads: "missing in destination", "only in destination",
  // "differs: size 5 ≠ 7", "same size and etag", ...
  std::string reason;
  store::ObjectEntry source;       // empty key for kDelete
  store::ObjectEntry destination;  // empty key when absent
};

// Compares one pair of listing entries.
Decision Compare(const store::ObjectEntry& src, const store::ObjectEntry& dst, CompareMode mode);


class Differ {
 public:
  Differ(ListingCursor& source, ListingCursor& destination, CompareMode mode,
         const KeyFilter& filter);

  // The next decision in key order, nullopt at the end of both listings.
  // Excluded keys produce no decision.
  std::optional<Decision> Next();

 private:
  const store::ObjectEntry* NextSource();
  const store::ObjectEntry* NextDestination();

  ListingCursor& source_;
  ListingCursor& destination_;
  const CompareMode mode_;
  const KeyFilter& filter_;
  const store::ObjectEntry* src_ = nullptr;
  const store::ObjectEntry* dst_ = nullptr;
  bool started_ = false;
};

}  // namespace ferry::engine
