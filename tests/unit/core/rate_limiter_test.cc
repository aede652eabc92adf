#include "core/rate_limiter.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using Clock = RateLimiter::Clock;

// The waits are computed at times the test passes in: no test depends on how fast
// the machine runs.
TEST(RateLimiter, UnlimitedNeverWaits) {
  RateLimiter limiter(0);
  const Clock::time_point t0{};
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Reserve(1 << 30, t0), nanoseconds::zero());
  EXPECT_TRUE(limiter.Acquire(1 << 30, {}));
}

TEST(RateLimiter, HoldsTheAverageRate) {
  RateLimiter limiter(1'000'000);  // 1 MB/s, 1 MB burst
  const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);
  // The burst: ten 100 kB pieces at once.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Reserve(100'000, t0), nanoseconds::zero());
  // Each further piece owes 0.1 s more.
  for (int i = 1; i <= 5; ++i) {
    EXPECT_NEAR(limiter.Reserve(100'000, t0).count(), milliseconds(100 * i) / nanoseconds(1),
                1000);
  }
  // 0.5 s later the debt is paid; 1 s later the bucket holds one second's worth again.
  EXPECT_EQ(limiter.Reserve(0, t0 + milliseconds(500)), nanoseconds::zero());
  EXPECT_EQ(limiter.Reserve(1'000'000, t0 + milliseconds(1500)), nanoseconds::zero());
  EXPECT_NEAR(limiter.Reserve(250'000, t0 + milliseconds(1500)).count(),
              milliseconds(250) / nanoseconds(1), 1000);
  // A long pause does not bank more than the burst.
  const auto later = t0 + std::chrono::hours(1);
  EXPECT_EQ(limiter.Reserve(1'000'000, later), nanoseconds::zero());
  EXPECT_GT(limiter.Reserve(1, later), nanoseconds::zero());
}

TEST(RateLimiter, AcquireWaitsWhatReserveOwes) {
  RateLimiter limiter(1'000'000);
  ASSERT_TRUE(limiter.Acquire(1'000'000, {}));  // the burst
  const auto start = Clock::now();
  ASSERT_TRUE(limiter.Acquire(50'000, {}));
  EXPECT_GE(Clock::now() - start, milliseconds(45));  // a lower bound only
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
