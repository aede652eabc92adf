#include "engine/adaptive_limit.h"

#include <algorithm>

namespace ferry::engine {

AdaptiveLimit::AdaptiveLimit(int max, std::shared_ptr<ThrottleSignal> signal)
    : max_(std::max(1, max)), limit_(std::max(1, max)), signal_(std::move(signal)) {}

void AdaptiveLimit::Acquire() {
  MutexLock lock(mu_);
  freed_.Wait(lock, [&]() REQUIRES(mu_) { return in_use_ < static_cast<int>(limit_); });
  ++in_use_;
}

void AdaptiveLimit::Release() {
  {
    MutexLock lock(mu_);
    --in_use_;
    const uint64_t events = signal_ ? signal_->events.load() : 0;
    if (events > seen_events_) {
      seen_events_ = events;
      limit_ = std::max(1.0, limit_ / 2);
    } else {
      // About +1 per round trip of `limit_` completions.
      limit_ = std::min<double>(max_, limit_ + 1.0 / limit_);
    }
  }
  freed_.NotifyAll();
}

int AdaptiveLimit::limit() const {
  MutexLock lock(mu_);
  return static_cast<int>(limit_);
}

}  // namespace ferry::engine
