#include "engine/part_plan.h"

#include <algorithm>

namespace ferry::engine {

PartPlan PlanParts(uint64_t size, uint64_t requested, const store::ObjectStore& destination) {
  const uint64_t max_parts = static_cast<uint64_t>(destination.MaxParts());
  uint64_t part = requested == 0 ? kDefaultPartSize : requested;
  // 5 TiB in 10,000 parts needs parts of at least ~525 MiB: grow in MiB steps.
  const uint64_t needed = (size + max_parts - 1) / max_parts;
  if (part < needed) part = (needed + (uint64_t{1} << 20) - 1) & ~((uint64_t{1} << 20) - 1);
  part = std::clamp(part, destination.MinPartSize(), destination.MaxPartSize());
  PartPlan plan;
  plan.part_size = part;
  plan.parts = size == 0 ? 1 : static_cast<int>((size + part - 1) / part);
  return plan;
}

PartPlan PlanFromLayout(uint64_t size, const store::PartLayout& layout,
                        const store::ObjectStore& destination) {
  if (layout.parts < 1 || layout.part_size == 0) return {};
  if (layout.parts > destination.MaxParts()) return {};
  if (layout.part_size > destination.MaxPartSize()) return {};
  if (layout.parts > 1 && layout.part_size < destination.MinPartSize()) return {};
  const uint64_t parts = (size + layout.part_size - 1) / layout.part_size;
  if (parts != static_cast<uint64_t>(layout.parts)) return {};  // not a uniform layout
  return {layout.part_size, layout.parts};
}

}  // namespace ferry::engine
