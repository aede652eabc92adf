#include "core/rate_limiter.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, UnlimitedNeverWaits) {
  RateLimiter limiter(0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Reserve(1 << 30).count(), 0);
}

TEST(RateLimiter, ABurstOfOneSecondThenTheRate) {
  RateLimiter limiter(1'000'000);  // 1 MB/s, 1 MB burst
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Reserve(100'000).count(), 0) << i;
  // Past the burst every reservation owes its share: 0.1 s more each.
  const auto first_debt = limiter.Reserve(100'000);
  EXPECT_GT(first_debt, milliseconds(50));
  EXPECT_LT(first_debt, milliseconds(150));
  for (int i = 0; i < 3; ++i) (void)limiter.Reserve(100'000);
  const auto fifth_debt = limiter.Reserve(100'000);
  EXPECT_GT(fifth_debt, milliseconds(400));
  EXPECT_LT(fifth_debt, milliseconds(600));
}

TEST(RateLimiter, ALargeReservationIsTakenNowAndPaidAfter) {
  RateLimiter limiter(1000);
  // Larger than the bucket: taken at once, then a wait of what it owes.
  const auto wait = limiter.Reserve(5000);
  EXPECT_GT(wait, milliseconds(3500));
  EXPECT_LT(wait, milliseconds(4500));
}

}  // namespace
}  // namespace ferry
