#include "core/rate_limiter.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(RateLimiter, UnlimitedNeverWaits) {
  RateLimiter limiter(0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Acquire(1 << 30, {}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(RateLimiter, HoldsTheAverageRate) {
  RateLimiter limiter(1'000'000);  // 1 MB/s, 1 MB burst
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(limiter.Acquire(100'000, {}));  // 1.5 MB
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(450));  // the 0.5 MB past the burst
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

TEST(RateLimiter, StopEndsTheWait) {
  RateLimiter limiter(1000);
  std::stop_source stop;
  ASSERT_TRUE(limiter.Acquire(1000, {}));
  stop.request_stop();
  EXPECT_FALSE(limiter.Acquire(1'000'000, stop.get_token()));
}

}  // namespace
}  // namespace ferry
