// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
// Backoff and Jitter"): delay = random(0, min(cap, base * 2^attempt)).
#pragma once

#include <chrono>
#include <cstdint>

namespace ferry {

struct BackoffPolicy {
  int max_attempts = 5;                           // total tries per request, >= 1
  std::chrono::milliseconds base{100};            // first ceiling
  std::chrono::milliseconds cap{20'000};          // ceiling never exceeds this
};

// Delay before retry number `attempt` (1 = first retry). Thread-safe.
std::chrono::milliseconds FullJitterDelay(const BackoffPolicy& policy, int attempt);

}  // namespace ferry
