#include "core/rate_limiter.h"

#include <algorithm>

namespace ferry {

bool RateLimiter::Acquire(uint64_t bytes, std::stop_token stop) {
  if (rate_ == 0) return true;
  std::unique_lock lock(mu_);
  const std::chrono::nanoseconds wait = ReserveLocked(bytes, Clock::now());
  if (wait == std::chrono::nanoseconds::zero()) return true;
  return !cv_.wait_for(lock, stop, wait, [] { return false; }) && !stop.stop_requested();
}

std::chrono::nanoseconds RateLimiter::Reserve(uint64_t bytes, Clock::time_point now) {
  if (rate_ == 0) return std::chrono::nanoseconds::zero();
  std::lock_guard lock(mu_);
  return ReserveLocked(bytes, now);
}

std::chrono::nanoseconds RateLimiter::ReserveLocked(uint64_t bytes, Clock::time_point now) {
  if (last_ == Clock::time_point{}) {
    last_ = now;
    tokens_ = static_cast<double>(rate_);
  }
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min<double>(static_cast<double>(rate_), tokens_ + elapsed * rate_);
  last_ = now;
  // Take now and owe the rest: large parts never starve behind small objects.
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) return std::chrono::nanoseconds::zero();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(-tokens_ / static_cast<double>(rate_)));
}

}  // namespace ferry
