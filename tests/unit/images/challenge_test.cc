#include "images/challenge.h"

#include <gtest/gtest.h>

namespace ferry::images {
namespace {

TEST(ParseChallenge, DockerHubBearer) {
  auto c = ParseChallenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c->Param("service"), "registry.docker.io");
  EXPECT_EQ(c->Param("scope"), "repository:library/alpine:pull");
}

TEST(ParseChallenge, QuotedCommasEscapesAndSpaces) {
  auto c = ParseChallenge(
      R"(Bearer realm = "https://t.example/token" , scope="repository:a:pull,push", error="x\"y")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->Param("realm"), "https://t.example/token");
  EXPECT_EQ(c->Param("scope"), "repository:a:pull,push");
  EXPECT_EQ(c->Param("error"), "x\"y");
}

TEST(ParseChallenge, BasicWithRealm) {
  auto c = ParseChallenge(R"(Basic realm="ferry-tests")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "basic");
  EXPECT_EQ(c->Param("realm"), "ferry-tests");
}

TEST(ParseChallenge, PrefersBearerWhenBothAreOffered) {
  auto c = ParseChallenge(R"(Basic realm="r", Bearer realm="https://t/token",service="s")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->Param("service"), "s");
}

TEST(ParseChallenge, EmptyHeaderHasNoChallenge) {
  EXPECT_FALSE(ParseChallenge(""));
  EXPECT_FALSE(ParseChallenge("   "));
}

}  // namespace
}  // namespace ferry::images
