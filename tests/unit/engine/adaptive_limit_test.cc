#include "engine/adaptive_limit.h"

#include <gtest/gtest.h>

namespace ferry::engine {
namespace {

TEST(AdaptiveLimit, HalvesOnThrottlingAndGrowsBack) {
  auto signal = std::make_shared<ThrottleSignal>();
  AdaptiveLimit limit(64, signal);
  EXPECT_EQ(limit.limit(), 64);
  limit.Acquire();
  ++signal->events;
  limit.Release();
  EXPECT_EQ(limit.limit(), 32);
  limit.Acquire();
  ++signal->events;
  limit.Release();
  EXPECT_EQ(limit.limit(), 16);
  for (int i = 0; i < 200; ++i) {  // quiet: additive increase, about +1 per `limit` releases
    limit.Acquire();
    limit.Release();
  }
  EXPECT_GT(limit.limit(), 16);
  EXPECT_LE(limit.limit(), 64);
}

TEST(AdaptiveLimit, NeverBelowOne) {
  auto signal = std::make_shared<ThrottleSignal>();
  AdaptiveLimit limit(2, signal);
  for (int i = 0; i < 10; ++i) {
    limit.Acquire();
    ++signal->events;
    limit.Release();
  }
  EXPECT_EQ(limit.limit(), 1);
}

}  // namespace
}  // namespace ferry::engine
