#include "core/rate_limiter.h"

#include <algorithm>

namespace ferry {

std::chrono::nanoseconds RateLimiter::Reserve(uint64_t bytes) {
  if (rate_ == 0) return std::chrono::nanoseconds(0);
  MutexLock lock(mu_);
  const auto now = Clock::now();
  if (last_ == Clock::time_point{}) {
    last_ = now;
    tokens_ = static_cast<double>(rate_);
  }
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min<double>(static_cast<double>(rate_), tokens_ + elapsed * rate_);
  last_ = now;
  // Take now and owe the rest: large parts never starve behind small objects.
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(-tokens_ / static_cast<double>(rate_)));
}

}  // namespace ferry
