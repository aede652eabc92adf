// Concurrency toward an endpoint that backs off when it is throttled and
// recovers when it is not: additive increase, multiplicative decrease (TCP's AIMD).
#pragma once

#include <cstdint>
#include <memory>

#include "core/mutex.h"
#include "core/throttle_signal.h"

namespace ferry::engine {

class AdaptiveLimit {
 public:
  // Starts at `max` slots; never below 1. `signal` may be null (fixed limit).
  AdaptiveLimit(int max, std::shared_ptr<ThrottleSignal> signal);

  // Blocks until a slot is free under the current limit.
  void Acquire();
  // Returns the slot; adapts the limit to the throttling seen since the last release.
  void Release();
  int limit() const;

 private:
  mutable Mutex mu_;
  CondVar freed_;
  const int max_;
  double limit_ GUARDED_BY(mu_);
  int in_use_ GUARDED_BY(mu_) = 0;
  uint64_t seen_events_ GUARDED_BY(mu_) = 0;
  std::shared_ptr<ThrottleSignal> signal_;
};

}  // namespace ferry::engine
