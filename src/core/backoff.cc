#include "core/backoff.h"

#include <algorithm>
#include <random>

namespace ferry {

std::chrono::milliseconds FullJitterDelay(const BackoffPolicy& policy, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int shift = std::clamp(attempt - 1, 0, 30);
  const int64_t ceiling =
      std::min<int64_t>(policy.cap.count(), policy.base.count() * (int64_t{1} << shift));
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(ceiling, 0));
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace ferry
