#include "engine/delete_guard.h"

#include <algorithm>
#include <string>

namespace ferry::engine {

Status DeleteRefusal(uint64_t to_delete, uint64_t listed_source, uint64_t listed_destination,
                     const RunOptions& options, const store::ObjectStore& source,
                     const store::ObjectStore& destination) {
  if (listed_source == 0 && !options.allow_empty_source) {
    return Status(Code::kFailedPrecondition,
                  "refusing to delete " + std::to_string(to_delete) + " objects from " +
                      destination.Describe() + ": the source " + source.Describe() +
                      " listed no objects",
                  "the source location; pass --allow-empty-source if emptying the "
                  "destination is intended");
  }
  const double percent = 100.0 * to_delete / std::max<uint64_t>(1, listed_destination);
  if ((options.max_delete_count && to_delete > *options.max_delete_count) ||
      (options.max_delete_percent && percent > *options.max_delete_percent)) {
    return Status(Code::kFailedPrecondition,
                  "refusing to delete " + std::to_string(to_delete) + " objects (" +
                      std::to_string(static_cast<int>(percent)) + "% of the destination): "
                      "over the --max-delete limit",
                  "the source and destination locations, or raise --max-delete");
  }
  return Status::OK();
}

}  // namespace ferry::engine
