// A token bucket in bytes per second (--bwlimit): callers take tokens before
// sending and wait when the bucket is empty. Waiting is the point here, so a
// timed wait is right; it is interruptible by the stop token.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace ferry {

class RateLimiter {
 public:
  // `bytes_per_second` 0 = unlimited. Bursts up to one second's worth.
  explicit RateLimiter(uint64_t bytes_per_second) : rate_(bytes_per_second) {}

  using Clock = std::chrono::steady_clock;

  // Takes `bytes` tokens, waiting as long as the rate requires. Returns false if
  // stopped first.
  bool Acquire(uint64_t bytes, std::stop_token stop);

  // Takes `bytes` tokens at the time `now` and returns how long the caller must
  // wait before sending them (zero within the burst). Acquire is Reserve at
  // Clock::now() and the wait; tests pass the time themselves.
  std::chrono::nanoseconds Reserve(uint64_t bytes, Clock::time_point now);

 private:
  const uint64_t rate_;
  // REQUIRES: mu_ held.
  std::chrono::nanoseconds ReserveLocked(uint64_t bytes, Clock::time_point now);

  std::mutex mu_;
  std::condition_variable_any cv_;
  double tokens_ = 0;            // guarded by mu_; may go negative (debt)
  Clock::time_point last_{};     // guarded by mu_
};

}  // namespace ferry
