#include "service/login_throttle.h"

#include <gtest/gtest.h>

namespace ferry::service {
namespace {

TEST(LoginThrottleTest, FiveFailuresLockThePairForThirtySecondsThenDoubling) {
  LoginThrottle t;
  for (int i = 0; i < 4; ++i) t.Failed("alice|10.0.0.1", 100);
  EXPECT_TRUE(t.Check("alice|10.0.0.1", 100).ok());
  t.Failed("alice|10.0.0.1", 100);
  Status locked = t.Check("alice|10.0.0.1", 101);
  EXPECT_EQ(locked.code(), Code::kResourceExhausted);
  EXPECT_NE(locked.message().find("try again in 29 s"), std::string::npos) << locked.message();
  EXPECT_TRUE(t.Check("alice|10.0.0.2", 101).ok());  // another address is not locked out
  EXPECT_TRUE(t.Check("alice|10.0.0.1", 130).ok());
  for (int i = 0; i < 5; ++i) t.Failed("alice|10.0.0.1", 130);
  EXPECT_FALSE(t.Check("alice|10.0.0.1", 189).ok());  // 60 s the second time
  EXPECT_TRUE(t.Check("alice|10.0.0.1", 190).ok());
}

TEST(LoginThrottleTest, ASuccessForgetsTheFailures) {
  LoginThrottle t;
  for (int i = 0; i < 4; ++i) t.Failed("bob|a", 1);
  t.Succeeded("bob|a");
  t.Failed("bob|a", 2);
  EXPECT_TRUE(t.Check("bob|a", 2).ok());
}

}  // namespace
}  // namespace ferry::service
