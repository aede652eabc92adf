// The guard in front of every delete of a run, a fleet plan or a watch's resync.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "engine/sync_run.h"
#include "store/object_store.h"

namespace ferry::engine {

// Why deleting `to_delete` objects would be unsafe (an empty source without
// --allow-empty-source, or over --max-delete); OK when it is not.
Status DeleteRefusal(uint64_t to_delete, uint64_t listed_source, uint64_t listed_destination,
                     const RunOptions& options, const store::ObjectStore& source,
                     const store::ObjectStore& destination);

}  // namespace ferry::engine
