#include "images/docker_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "core/base64.h"

namespace ferry::images {
namespace {

class DockerConfigTest : public ::testing::Test {
 protected:
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  void TearDown() override { std::filesystem::remove(path_); }
  // One file per test and process: ctest runs these tests in parallel processes.
  std::string path_ = ::testing::TempDir() + "/ferry-docker-config-" + std::to_string(getpid()) +
                      "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                      ".json";
};

TEST_F(DockerConfigTest, FindsTheLoginOfAHost) {
  Write(R"({"auths": {"reg.example:5000": {"auth": ")" + Base64Encode("ci:s3cr:et") + R"("}}})");
  auto source = LoadDockerLogin(path_, "reg.example:5000");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto login = (*source)->Get({});
  ASSERT_TRUE(login.ok() && *login);
  EXPECT_EQ((*login)->username, "ci");
  EXPECT_EQ((*login)->password, "s3cr:et");  // only the first colon separates
  EXPECT_EQ((*source)->Describe().find("s3cr"), std::string::npos);
}

TEST_F(DockerConfigTest, DockerHubUnderItsLegacyKey) {
  Write(R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + Base64Encode("u:p") +
        R"("}}})");
  auto source = LoadDockerLogin(path_, "registry-1.docker.io");
  ASSERT_TRUE(source.ok());
  auto login = (*source)->Get({});
  ASSERT_TRUE(login.ok() && *login);
  EXPECT_EQ((*login)->username, "u");
}

TEST_F(DockerConfigTest, NoFileOrNoEntryIsAnonymous) {
  auto none = LoadDockerLogin(path_ + ".missing", "h");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*(*none)->Get({}));
  Write(R"({"auths": {"other": {"auth": "dTpw"}}})");
  auto other = LoadDockerLogin(path_, "h");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*(*other)->Get({}));
}

TEST_F(DockerConfigTest, MalformedEntriesNameTheEntryNotTheSecret) {
  Write(R"({"auths": {"h": {"auth": "bm9jb2xvbg=="}}})");  // "nocolon"
  auto bad = LoadDockerLogin(path_, "h");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("auths.\"h\""), std::string::npos);
  EXPECT_EQ(bad.error().ToString().find("bm9jb2xvbg"), std::string::npos);
  Write(R"({"auths": {"h": {}}, "credsStore": "desktop"})");
  EXPECT_FALSE(LoadDockerLogin(path_, "h").ok());
  Write("not json");
  EXPECT_FALSE(LoadDockerLogin(path_, "h").ok());
}

}  // namespace
}  // namespace ferry::images
