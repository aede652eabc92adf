#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "auth/chain.h"
#include "auth/metadata_providers.h"
#include "auth/profile_provider.h"
#include "auth/refreshing_provider.h"
#include "auth/secret_provider.h"
#include "auth/static_provider.h"
#include "auth/sts_provider.h"
#include "unit/net/loopback_server.h"
#include "unit/scratch_dir.h"

namespace ferry::auth {
namespace {

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The files the tests write go in one directory, removed when the binary exits.
std::string WriteTemp(const std::string& name, const std::string& text) {
  static ferry::testing::ScratchDir dir("ferry-auth-");
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

TEST(ParseIni, SectionsKeysCommentsAndSpaces) {
  auto ini = ParseIni("# c\n[default]\naws_access_key_id = AK \n; x\n[profile p]\nk=v\n");
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AK");
  EXPECT_EQ(ini["profile p"]["k"], "v");
}

TEST(ProfileProvider, ReadsNamedProfileFromBothFiles) {
  ScopedEnv creds("AWS_SHARED_CREDENTIALS_FILE",
                  WriteTemp("credentials", "[prod]\naws_access_key_id = AKPROD\n"
                                           "aws_secret_access_key = SKPROD\n"));
  ScopedEnv config("AWS_CONFIG_FILE", WriteTemp("config", "[profile prod]\nregion = eu-west-1\n"));
  ProfileProvider provider("prod");
  auto c = provider.Get({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKPROD");
  EXPECT_EQ(provider.Settings()->at("region"), "eu-west-1");
  auto missing = ProfileProvider("nope").Get({});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("profile 'nope'"), std::string::npos);
}

TEST(EnvironmentProvider, NotFoundWhenUnsetAndErrorWhenHalfSet) {
  ScopedEnv a("AWS_ACCESS_KEY_ID", "");
  ScopedEnv b("AWS_SECRET_ACCESS_KEY", "");
  EXPECT_EQ(EnvironmentProvider().Get({}).error().code(), Code::kNotFound);
  ScopedEnv c("AWS_ACCESS_KEY_ID", "AK");
  EXPECT_EQ(EnvironmentProvider().Get({}).error().code(), Code::kInvalidArgument);
}

TEST(ParseSecretJson, AcceptsBothSpellingsAndExplainsTheFormat) {
  auto a = ParseSecretJson(R"({"access_key_id": "AK", "secret_access_key": "SK"})", "s");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->secret_access_key, "SK");
  auto b = ParseSecretJson(R"({"AccessKeyId": "AK", "SecretAccessKey": "SK"})", "s");
  ASSERT_TRUE(b.ok());
  for (const char* bad : {"not json", "[1]", R"({"access_key_id": "AK"})",
                          R"({"access_key_id": 5, "secret_access_key": "TOPSECRET"})"}) {
    auto r = ParseSecretJson(bad, "secret file 'x'");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("malformed secret file 'x'"), std::string::npos);
    EXPECT_NE(r.error().hint().find("\"secret_access_key\": \"<Your Access Key Secret>\""),
              std::string::npos);
    EXPECT_EQ(r.error().ToString().find("TOPSECRET"), std::string::npos);
  }
}

TEST(SecretProvider, FileIsReReadAfterInvalidate) {
  const std::string path = WriteTemp("secret.json", R"({"access_key_id": "A1", "secret_access_key": "S1"})");
  SecretProvider provider(path, std::make_shared<AnonymousProvider>(), nullptr);
  EXPECT_EQ(provider.Get({})->access_key_id, "A1");
  std::ofstream(path) << R"({"access_key_id": "A2", "secret_access_key": "S2"})";
  EXPECT_EQ(provider.Get({})->access_key_id, "A1");  // cached
  EXPECT_TRUE(provider.Invalidate());
  EXPECT_EQ(provider.Get({})->access_key_id, "A2");
}

class CountingProvider final : public RefreshingProvider {
 public:
  explicit CountingProvider(Clock clock) : RefreshingProvider(std::chrono::minutes(5), clock) {}
  std::string Describe() const override { return "counting"; }
  int fetches = 0;
  std::chrono::system_clock::time_point expiry;

 protected:
  Result<Credentials> Fetch(std::stop_token) override {
    ++fetches;
    return Credentials{"AK" + std::to_string(fetches), "SK", "T", expiry};
  }
};

TEST(RefreshingProvider, RefreshesFiveMinutesBeforeExpiry) {
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(1000));
  CountingProvider p([&] { return now; });
  p.expiry = now + std::chrono::hours(1);
  EXPECT_EQ(p.Get({})->access_key_id, "AK1");
  now += std::chrono::minutes(54);
  EXPECT_EQ(p.Get({})->access_key_id, "AK1");
  now += std::chrono::minutes(2);  // 4 minutes left: refresh
  EXPECT_EQ(p.Get({})->access_key_id, "AK2");
  EXPECT_EQ(p.fetches, 2);
}

TEST(ParseStsCredentials, ReadsAssumeRoleAnswer) {
  auto c = ParseStsCredentials(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
      "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
      "<Expiration>2026-11-24T18:00:00Z</Expiration></Credentials></AssumeRoleResult>"
      "</AssumeRoleResponse>",
      "AssumeRole");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session_token, "T");
  ASSERT_TRUE(c->expiration.has_value());
}

// Found by the credentials fuzzer: a far-future Expiration overflowed the
// conversion to nanoseconds (undefined behaviour), and a non-string field of a
// metadata or Secrets Manager answer threw out of the parser.
TEST(ParseStsCredentials, AnExpirationBeyondTheClockIsIgnoredNotOverflowed) {
  auto c = ParseStsCredentials(
      "<R><X><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
      "<Expiration>9999-12-31T23:59:59Z</Expiration></Credentials></X></R>",
      "AssumeRole");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->expiration.has_value());
  auto m = ParseMetadataCredentials(
      R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":7,"Expiration":"9999-01-01T00:00:00Z"})",
      "instance metadata");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->session_token, "");
  EXPECT_FALSE(m->expiration.has_value());
  EXPECT_EQ(ParseGetSecretValue(200, R"({"SecretString": 5})", "s").status().code(),
            Code::kInvalidArgument);
  auto refused = ParseGetSecretValue(400, R"({"__type": 1, "message": ["x"]})", "s");
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied);
}

TEST(ContainerProvider, ReadsCredentialsWithAuthorizationToken) {
  testing::LoopbackServer server;
  server.Answer("GET /creds", 200,
                R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"S","Token":"T",)"
                R"("Expiration":"2099-01-01T00:00:00Z"})");
  ScopedEnv rel("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
  ScopedEnv full("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/creds"));
  ScopedEnv token("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok123");
  ContainerProvider provider(std::make_shared<net::HttpClient>());
  auto c = provider.Get({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAECS");
  EXPECT_NE(server.last_head().find("Authorization: tok123"), std::string::npos);
}

TEST(InstanceProvider, UsesImdsV2SessionToken) {
  testing::LoopbackServer server;
  server.Answer("PUT /latest/api/token", 200, "session-token");
  server.Answer("GET /latest/meta-data/iam/security-credentials/", 200, "my-role\n");
  server.Answer("GET /latest/meta-data/iam/security-credentials/my-role", 200,
                R"({"AccessKeyId":"ASIAEC2","SecretAccessKey":"S","Token":"T"})");
  ScopedEnv endpoint("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url(""));
  ScopedEnv disabled("AWS_EC2_METADATA_DISABLED", "");
  InstanceProvider provider(std::make_shared<net::HttpClient>());
  auto c = provider.Get({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAEC2");
  EXPECT_NE(server.last_head().find("X-aws-ec2-metadata-token: session-token"), std::string::npos);
}

TEST(InstanceProvider, DisabledIsNotFound) {
  ScopedEnv disabled("AWS_EC2_METADATA_DISABLED", "true");
  auto c = InstanceProvider(std::make_shared<net::HttpClient>()).Get({});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), Code::kNotFound);
}

TEST(DefaultChain, SaysHowToGiveCredentialsThenListsEverySourceItTried) {
  ScopedEnv a("AWS_ACCESS_KEY_ID", "");
  ScopedEnv b("AWS_SECRET_ACCESS_KEY", "");
  ScopedEnv w("AWS_WEB_IDENTITY_TOKEN_FILE", "");
  ScopedEnv f("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
  ScopedEnv g("AWS_CONFIG_FILE", "/nonexistent/config");
  ScopedEnv e("AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
  ScopedEnv r("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
  ScopedEnv d("AWS_EC2_METADATA_DISABLED", "true");
  auto chain = MakeDefaultChain({.flag_prefix = "--src-"});
  ASSERT_TRUE(chain.ok());
  auto c = (*chain)->Get({});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), Code::kUnauthenticated);
  for (const char* way : {"--src-secret", "--src-profile", "AWS_ACCESS_KEY_ID"}) {
    EXPECT_NE(c.error().message().find(way), std::string::npos) << c.error().message();
  }
  for (const char* source : {"environment", "web identity", "profile 'default'", "container",
                             "instance metadata"}) {
    EXPECT_NE(c.error().hint().find(source), std::string::npos) << c.error().hint();
  }
}

TEST(DefaultChain, AMetadataServiceThatRefusesIsADetailNotTheAnswer) {
  // An IMDS that answers the token request with 403 (a machine that is not an
  // EC2 instance with a role): "no credentials", with the 403 among the details.
  testing::LoopbackServer imds;
  imds.Answer("PUT /latest/api/token", 403, "");
  ScopedEnv a("AWS_ACCESS_KEY_ID", "");
  ScopedEnv b("AWS_SECRET_ACCESS_KEY", "");
  ScopedEnv w("AWS_WEB_IDENTITY_TOKEN_FILE", "");
  ScopedEnv f("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
  ScopedEnv g("AWS_CONFIG_FILE", "/nonexistent/config");
  ScopedEnv e("AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
  ScopedEnv r("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
  ScopedEnv d("AWS_EC2_METADATA_DISABLED", "");
  ScopedEnv m("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url(""));
  auto chain = MakeDefaultChain({});
  ASSERT_TRUE(chain.ok());
  auto c = (*chain)->Get({});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), Code::kUnauthenticated) << c.error().ToString();
  EXPECT_NE(c.error().hint().find("HTTP 403"), std::string::npos) << c.error().hint();
}

TEST(DefaultChain, EnvironmentWinsAndIsRemembered) {
  ScopedEnv a("AWS_ACCESS_KEY_ID", "AKENV");
  ScopedEnv b("AWS_SECRET_ACCESS_KEY", "SKENV");
  ScopedEnv d("AWS_EC2_METADATA_DISABLED", "true");
  auto chain = MakeDefaultChain({});
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ((*chain)->Get({})->access_key_id, "AKENV");
  EXPECT_NE((*chain)->Describe().find("environment"), std::string::npos);
}

}  // namespace
}  // namespace ferry::auth

namespace ferry::auth {
namespace {

TEST(MakeProfileCredentials, SourceProfileLoopIsAnErrorNotARecursion) {
  ScopedEnv creds("AWS_SHARED_CREDENTIALS_FILE", WriteTemp("loop-credentials", ""));
  ScopedEnv config("AWS_CONFIG_FILE",
                   WriteTemp("loop-config", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\n"
                                            "source_profile = b\n[profile b]\n"
                                            "role_arn = arn:aws:iam::1:role/b\nsource_profile = a\n"));
  auto provider = MakeProfileCredentials("a", std::make_shared<net::HttpClient>());
  ASSERT_FALSE(provider.ok());
  EXPECT_NE(provider.error().message().find("source_profile loop: a -> b -> a"),
            std::string::npos)
      << provider.error().message();
}

TEST(ProfileProvider, CachesUntilInvalidated) {
  const std::string path = WriteTemp("cached-credentials",
                                     "[p]\naws_access_key_id = A1\naws_secret_access_key = S\n");
  ScopedEnv creds("AWS_SHARED_CREDENTIALS_FILE", path);
  ProfileProvider provider("p");
  EXPECT_EQ(provider.Get({})->access_key_id, "A1");
  std::ofstream(path) << "[p]\naws_access_key_id = A2\naws_secret_access_key = S\n";
  EXPECT_EQ(provider.Get({})->access_key_id, "A1");  // not read again per request
  EXPECT_TRUE(provider.Invalidate());
  EXPECT_EQ(provider.Get({})->access_key_id, "A2");
}

}  // namespace
}  // namespace ferry::auth
