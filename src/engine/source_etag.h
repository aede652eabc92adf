// The source's ETag recorded on a copy whose own ETag cannot equal it (a layout
// that could not be reproduced): later compares read it with one HEAD instead of
// copying the object again.
#pragma once

namespace ferry::engine {

// User metadata key (x-amz-meta-ferry-source-etag).
inline constexpr const char* kSourceEtagMetadata = "ferry-source-etag";

}  // namespace ferry::engine
