#include "images/ecr_api.h"

#include <gtest/gtest.h>

namespace ferry::images {
namespace {

TEST(ParseEcrHost, AccountAndRegionFromTheHost) {
  auto r = ParseEcrHost("123456789012.dkr.ecr.eu-west-1.amazonaws.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->account, "123456789012");
  EXPECT_EQ(r->region, "eu-west-1");
  auto fips = ParseEcrHost("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com");
  ASSERT_TRUE(fips);
  EXPECT_EQ(fips->region, "us-gov-west-1");
  auto china = ParseEcrHost("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn");
  ASSERT_TRUE(china);
  EXPECT_EQ(china->region, "cn-north-1");
}

TEST(ParseEcrHost, OtherHostsAreNotEcr) {
  EXPECT_FALSE(ParseEcrHost("registry-1.docker.io"));
  EXPECT_FALSE(ParseEcrHost("127.0.0.1:5000"));
  EXPECT_FALSE(ParseEcrHost("12345.dkr.ecr.eu-west-1.amazonaws.com"));
  EXPECT_FALSE(ParseEcrHost("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example"));
}

}  // namespace
}  // namespace ferry::images
