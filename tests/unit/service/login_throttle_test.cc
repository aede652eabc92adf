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

// The security review filled the 10,000-entry table with fresh failures, which
// evicted the attacker's own locked entry and lifted the lockout.
TEST(LoginThrottleTest, FillingTheTableDoesNotLiftALockout) {
  LoginThrottle t;
  for (int i = 0; i < 5; ++i) t.Failed("admin|6.6.6.6", 1000);
  ASSERT_FALSE(t.Check("admin|6.6.6.6", 1001).ok());
  for (int i = 0; i < 10000; ++i) t.Failed("noise-" + std::to_string(i) + "|6.6.6.6", 1002);
  EXPECT_EQ(t.Check("admin|6.6.6.6", 1003).code(), Code::kResourceExhausted);
}

TEST(LoginThrottleTest, AFullTableOfLocksRefusesPairsItCannotRecord) {
  LoginThrottle t(/*max_entries=*/3);
  for (const char* key : {"a|x", "b|x", "c|x"}) {
    for (int i = 0; i < 5; ++i) t.Failed(key, 10);
  }
  EXPECT_EQ(t.Check("d|x", 11).code(), Code::kResourceExhausted);
  for (int i = 0; i < 50; ++i) t.Failed("d|x", 11);  // not recorded, and not guessing freely
  EXPECT_FALSE(t.Check("d|x", 12).ok());
  EXPECT_TRUE(t.Check("d|x", 41).ok());  // the locks ended: room again
  EXPECT_TRUE(t.Check("a|x", 41).ok());
}

}  // namespace
}  // namespace ferry::service
