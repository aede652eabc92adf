// How an object is cut into parts for a multipart upload.
#pragma once

#include <cstdint>

#include "store/object_store.h"

namespace ferry::engine {

struct PartPlan {
  uint64_t part_size = 0;  // every part but the last
  int parts = 0;

  uint64_t Offset(int part_number) const { return (part_number - 1) * part_size; }
  uint64_t Length(int part_number, uint64_t object_size) const {
    const uint64_t offset = Offset(part_number);
    return part_number == parts ? object_size - offset : part_size;
  }
};

// Default part size when the user sets none: large enough to keep request
// overhead small, small enough to spread one object over many connections.
inline constexpr uint64_t kDefaultPartSize = uint64_t{16} << 20;

// Chooses the part size for `size` bytes: `requested` (0 = automatic) raised until
// the object fits in the store's part count limit, and clamped to its part size limits.
PartPlan PlanParts(uint64_t size, uint64_t requested, const store::ObjectStore& destination);

// Reproduces a source's layout (so the destination's multipart ETag equals the
// source's) when it is valid for the destination; otherwise nullopt-like parts == 0.
PartPlan PlanFromLayout(uint64_t size, const store::PartLayout& layout,
                        const store::ObjectStore& destination);

}  // namespace ferry::engine
