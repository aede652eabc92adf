// Credential sources that need a service, against moto's STS and Secrets Manager.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "auth/secret_provider.h"
#include "auth/sts_provider.h"
#include "testbed.h"

namespace ferry::auth {
namespace {

using ferry::testing::FixedKeys;
using ferry::testing::LoadServer;
using ferry::testing::Oracle;

std::string Unique(const std::string& base) {
  static std::mt19937_64 rng{std::random_device{}()};
  return base + "-" + std::to_string(rng() % 1000000000);
}

TEST(SecretsManager, ReadsSecretAndFollowsRotationAfterInvalidate) {
  auto moto = LoadServer("moto");
  const std::string name = Unique("ferry/dst");
  const std::string arn = Oracle(
      "moto", {"create-secret", name, R"({"access_key_id": "AK1", "secret_access_key": "S1"})"})
                              .value("arn", "");
  ASSERT_FALSE(arn.empty());
  auto http = std::make_shared<net::HttpClient>();
  SecretProvider provider(arn, std::make_shared<FixedKeys>("testing", "testing"), http, "",
                          moto.endpoint);
  auto first = provider.Get({});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->access_key_id, "AK1");

  Oracle("moto", {"put-secret", name, R"({"access_key_id": "AK2", "secret_access_key": "S2"})"});
  EXPECT_EQ(provider.Get({})->access_key_id, "AK1");  // cached until the key is rejected
  EXPECT_TRUE(provider.Invalidate());
  auto rotated = provider.Get({});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->access_key_id, "AK2");
}

TEST(SecretsManager, MalformedAndMissingSecretsSayWhatToCheck) {
  auto moto = LoadServer("moto");
  const std::string name = Unique("ferry/bad");
  Oracle("moto", {"create-secret", name, R"({"AccessKey": "x", "Secret": "HIDDEN-VALUE"})"});
  auto http = std::make_shared<net::HttpClient>();
  SecretProvider bad("secretsmanager:" + name, std::make_shared<FixedKeys>("t", "t"), http, "",
                     moto.endpoint);
  auto r = bad.Get({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find(name), std::string::npos);
  EXPECT_EQ(r.error().ToString().find("HIDDEN-VALUE"), std::string::npos);

  SecretProvider missing("secretsmanager:" + Unique("nope"), std::make_shared<FixedKeys>("t", "t"),
                         http, "", moto.endpoint);
  auto m = missing.Get({});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), Code::kNotFound);
  EXPECT_NE(m.error().hint().find("name or ARN"), std::string::npos);
}

TEST(Sts, AssumeRoleReturnsTemporaryCredentialsWithExpiry) {
  auto moto = LoadServer("moto");
  AssumeRoleOptions options;
  options.role_arn = "arn:aws:iam::123456789012:role/ferry-test";
  options.endpoint = moto.endpoint;
  AssumeRoleProvider provider(options, std::make_shared<FixedKeys>("testing", "testing"),
                              std::make_shared<net::HttpClient>());
  auto c = provider.Get({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->access_key_id.empty());
  EXPECT_FALSE(c->session_token.empty());
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_GT(*c->expiration, std::chrono::system_clock::now());
}

TEST(Sts, WebIdentityTokenFileIsExchanged) {
  auto moto = LoadServer("moto");
  const auto token = std::filesystem::temp_directory_path() / Unique("ferry-token");
  std::ofstream(token) << "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n";
  AssumeRoleOptions options;
  options.role_arn = "arn:aws:iam::123456789012:role/ferry-web";
  options.endpoint = moto.endpoint;
  WebIdentityProvider provider(token.string(), options, std::make_shared<net::HttpClient>());
  auto c = provider.Get({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->session_token.empty());
  std::filesystem::remove(token);
}

}  // namespace
}  // namespace ferry::auth
