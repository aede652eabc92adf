// A count of throttling answers (SlowDown, 503, 429) seen by a client, read by
// whoever adapts concurrency. Lock-free; shared between layers by pointer.
#pragma once

#include <atomic>
#include <cstdint>

namespace ferry {

struct ThrottleSignal {
  std::atomic<uint64_t> events{0};
};

}  // namespace ferry
