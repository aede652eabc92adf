#include "core/status.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ToStringNamesSideMessageServiceCodeAndHint) {
  Status s = Status::NotFound("bucket 'dst' does not exist", "the destination must exist")
                 .WithSide(Side::kDestination)
                 .WithServiceCode("NoSuchBucket", 404);
  EXPECT_EQ(s.ToString(),
            "destination: bucket 'dst' does not exist (NoSuchBucket). Check: the destination must "
            "exist");
  EXPECT_EQ(s.http_status(), 404);
}

TEST(Status, RetryIsDecidedByCode) {
  EXPECT_TRUE(Status::Unavailable("x").IsRetryable());
  EXPECT_TRUE(Status(Code::kResourceExhausted, "slow down").IsRetryable());
  EXPECT_TRUE(Status(Code::kDeadlineExceeded, "t").IsRetryable());
  EXPECT_FALSE(Status::Unauthenticated("bad key").IsRetryable());
  EXPECT_FALSE(Status::PermissionDenied("denied").IsRetryable());
  EXPECT_FALSE(Status::InvalidArgument("x").IsRetryable());
}

TEST(Result, HoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Status::NotFound("k");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Code::kNotFound);
  EXPECT_EQ(bad.status().message(), "k");
}

TEST(Status, ContextPrefixesMessage) {
  Status s = Status::Unavailable("connection refused").Context("listing s3://b");
  EXPECT_EQ(s.message(), "listing s3://b: connection refused");
}

}  // namespace
}  // namespace ferry
