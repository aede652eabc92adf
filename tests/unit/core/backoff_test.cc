#include "core/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace ferry {
namespace {

TEST(FullJitterDelay, StaysWithinGrowingCeilingAndCap) {
  BackoffPolicy p{.max_attempts = 10, .base = std::chrono::milliseconds(100),
                  .cap = std::chrono::milliseconds(1000)};
  for (int attempt = 1; attempt <= 40; ++attempt) {
    const int64_t ceiling = std::min<int64_t>(1000, 100LL << std::min(attempt - 1, 30));
    for (int i = 0; i < 50; ++i) {
      const auto d = FullJitterDelay(p, attempt).count();
      EXPECT_GE(d, 0);
      EXPECT_LE(d, ceiling);
    }
  }
}

TEST(FullJitterDelay, IsSpreadNotConstant) {
  BackoffPolicy p;
  std::set<int64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(FullJitterDelay(p, 5).count());
  EXPECT_GT(seen.size(), 20u);
}

}  // namespace
}  // namespace ferry
