// A token bucket in bytes per second (--bwlimit): callers take tokens before
// sending and wait, as long as it says, when the bucket is empty (a coroutine
// waits on a TimerQueue, holding no thread).
#pragma once

#include <chrono>
#include <cstdint>

#include "core/mutex.h"

namespace ferry {

class RateLimiter {
 public:
  // `bytes_per_second` 0 = unlimited. Bursts up to one second's worth.
  explicit RateLimiter(uint64_t bytes_per_second) : rate_(bytes_per_second) {}

  // Takes `bytes` tokens now and returns how long the caller must wait before
  // sending them (zero within the rate): for callers that wait without a thread.
  std::chrono::nanoseconds Reserve(uint64_t bytes);

 private:
  using Clock = std::chrono::steady_clock;
  const uint64_t rate_;
  Mutex mu_;
  double tokens_ GUARDED_BY(mu_) = 0;  // may go negative (debt)
  Clock::time_point last_ GUARDED_BY(mu_) {};
};

}  // namespace ferry
