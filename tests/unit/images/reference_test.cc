#include "images/reference.h"

#include <gtest/gtest.h>

namespace ferry::images {
namespace {

TEST(ParseImageRef, SplitsHostPortRepositoryAndTag) {
  auto r = ParseImageRef("127.0.0.1:5000/team/app:v1.2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->registry, "127.0.0.1:5000");
  EXPECT_EQ(r->repository, "team/app");
  EXPECT_EQ(r->tag, "v1.2");
  EXPECT_EQ(r->ToString(), "127.0.0.1:5000/team/app:v1.2");
}

TEST(ParseImageRef, NoTagMeansEveryTag) {
  auto r = ParseImageRef("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->repository, "app");
  EXPECT_EQ(r->tag, "");
}

TEST(ParseImageRef, RegistryAloneForListsAndCatalogs) {
  auto r = ParseImageRef("registry.example:443");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "registry.example:443");
  EXPECT_EQ(r->repository, "");
}

TEST(ParseImageRef, DockerHubNamesItsApiHostAndLibrary) {
  auto r = ParseImageRef("docker.io/alpine:3.20");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "registry-1.docker.io");
  EXPECT_EQ(r->repository, "library/alpine");
  auto org = ParseImageRef("docker.io/bitnami/redis");
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->repository, "bitnami/redis");
}

TEST(ParseImageRef, RejectsWhatIsNotAnImageName) {
  for (const char* bad : {"https://host/app", "host/App", "host/app:", "host/app:-x",
                          "host/app@sha256:abcd", "host/a//b", "host/a--", "/app", ""}) {
    auto r = ParseImageRef(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
    }
  }
}

TEST(ParseImageRef, AcceptsSeparatorsOfTheDistributionSpec) {
  for (const char* good : {"h/a.b", "h/a_b", "h/a__b", "h/a---b", "h/a/b/c:T_1.x-y"}) {
    EXPECT_TRUE(ParseImageRef(good).ok()) << good;
  }
}

TEST(ParseListLine, ResolvesAgainstTheBaseNamespace) {
  auto r = ParseListLine("app:1", ImageRef{"host:5000", "team", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "host:5000");
  EXPECT_EQ(r->repository, "team/app");
  EXPECT_EQ(r->tag, "1");
  EXPECT_FALSE(ParseListLine("Bad", ImageRef{"h", "", ""}).ok());
}

TEST(JoinRepository, SkipsEmptyParts) {
  EXPECT_EQ(JoinRepository("", "a"), "a");
  EXPECT_EQ(JoinRepository("p", ""), "p");
  EXPECT_EQ(JoinRepository("p/q", "a"), "p/q/a");
}

}  // namespace
}  // namespace ferry::images
