// The registry client against a fake registry with a token service, for the
// bearer flow that Debian's docker-registry (htpasswd: Basic) cannot show.
#include "images/registry_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "core/base64.h"
#include "images/digest.h"
#include "unit/net/loopback_server.h"

namespace ferry::images {
namespace {

using testing::LoopbackServer;

class FakeTokenRegistry {
 public:
  FakeTokenRegistry() {
    server_.Handle([this](const std::string& head, const std::string&) { return Answer(head); });
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  std::string last_token_request() {
    std::lock_guard lock(mu_);
    return last_token_request_;
  }
  // The request blob storage received after a redirect.
  std::string storage_head() {
    std::lock_guard lock(mu_);
    return storage_head_;
  }

  std::atomic<int> token_requests{0};
  std::atomic<int> referrers_requests{0};
  std::atomic<int> throttle_first{0};  // answer this many manifest requests with 429 first

 private:
  LoopbackServer::Reply Answer(const std::string& head) {
    const std::string line = head.substr(0, head.find("\r\n"));
    if (line.starts_with("GET /token?")) {
      ++token_requests;
      {
        std::lock_guard lock(mu_);
        last_token_request_ = line;
      }
      if (head.find("Authorization: Basic " + Base64Encode("u:p")) == std::string::npos) {
        return {401, "", R"({"details": "bad login"})"};
      }
      return {200, "", R"({"token": "tok-1", "expires_in": 300})"};
    }
    if (line.starts_with("GET /storage/blob ")) {
      std::lock_guard lock(mu_);
      storage_head_ = head;
      return {206, "", "bytes"};
    }
    if (head.find("Authorization: Bearer tok-1") == std::string::npos) {
      return {401,
              "WWW-Authenticate: Bearer realm=\"http://" + host() + "/token\",service=\"fake\"\r\n",
              R"({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]})"};
    }
    if (line.find("/manifests/") != std::string::npos && throttle_first > 0) {
      --throttle_first;
      return {429, "Retry-After: 0\r\n", R"({"errors": [{"code": "TOOMANYREQUESTS"}]})"};
    }
    if (line.starts_with("HEAD /v2/app/manifests/v1 ")) {
      return {200, "Docker-Content-Digest: " + DigestOf("m") + "\r\nContent-Type: " + kOciIndex +
                       "\r\n",
              ""};
    }
    if (line.starts_with("GET /v2/ ")) return {200, "", "{}"};
    if (line.starts_with("GET /v2/app/tags/list?n=1000 ")) {
      return {200, "Link: </v2/app/tags/list?last=b&n=1000>; rel=\"next\"\r\n",
              R"({"name": "app", "tags": ["a", "b"]})"};
    }
    if (line.starts_with("GET /v2/app/tags/list?last=b&n=1000 ")) {
      return {200, "", R"({"name": "app", "tags": ["c"]})"};
    }
    if (line.starts_with("GET /v2/app/blobs/")) {
      return {307, "Location: http://" + host() + "/storage/blob\r\n", ""};
    }
    if (line.find("/referrers/") != std::string::npos) ++referrers_requests;
    return {404, "", R"({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "unknown"}]})"};
  }

  std::mutex mu_;
  std::string last_token_request_;  // guarded by mu_
  std::string storage_head_;        // guarded by mu_
  LoopbackServer server_;  // last: stopped before what its handler uses
};

RegistryClient MakeClient(const FakeTokenRegistry& fake, std::optional<Login> login) {
  RegistryOptions options;
  options.host = fake.host();
  options.plain_http = true;
  options.side = Side::kSource;
  options.backoff.base = std::chrono::milliseconds(1);
  return RegistryClient(options, std::make_shared<net::HttpClient>(),
                        std::make_shared<FixedLoginSource>(login, "test"));
}

TEST(RegistryClient, BearerFlowFetchesOneTokenPerScope) {
  FakeTokenRegistry fake;
  auto client = MakeClient(fake, Login{"u", "p"});
  ASSERT_TRUE(client.Ping({}).ok());
  EXPECT_EQ(fake.token_requests, 1);

  for (int i = 0; i < 3; ++i) {
    auto head = client.HeadManifest("app", "v1", {});
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(head->digest, DigestOf("m"));
    EXPECT_EQ(head->media_type, kOciIndex);
  }
  // The token service is known after the first challenge: one request for the
  // new scope, none for the repeats, and no extra 401 round trip.
  EXPECT_EQ(fake.token_requests, 2);
  EXPECT_NE(fake.last_token_request().find("service=fake"), std::string::npos);
  EXPECT_NE(fake.last_token_request().find("scope=repository%3Aapp%3Apull"), std::string::npos);
}

TEST(RegistryClient, RefusedLoginIsUnauthenticatedWithoutThePassword) {
  FakeTokenRegistry fake;
  auto client = MakeClient(fake, Login{"u", "wrong-secret"});
  Status st = client.Ping({});
  ASSERT_EQ(st.code(), Code::kUnauthenticated) << st.ToString();
  EXPECT_NE(st.ToString().find("user 'u'"), std::string::npos);
  EXPECT_NE(st.ToString().find(fake.host()), std::string::npos);
  EXPECT_EQ(st.ToString().find("wrong-secret"), std::string::npos);
}

TEST(RegistryClient, ThrottlingIsRetriedAfterRetryAfter) {
  FakeTokenRegistry fake;
  fake.throttle_first = 2;
  auto client = MakeClient(fake, Login{"u", "p"});
  auto head = client.HeadManifest("app", "v1", {});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(client.counts().retries, 2u);
}

TEST(RegistryClient, MissingTagNamesTagRepositoryAndRegistry) {
  FakeTokenRegistry fake;
  auto client = MakeClient(fake, Login{"u", "p"});
  auto head = client.HeadManifest("app", "nope", {});
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code(), Code::kNotFound);
  EXPECT_NE(head.error().message().find("tag 'nope' not found in repository app at registry " +
                                        fake.host()),
            std::string::npos);
}

TEST(RegistryClient, AbsentReferrersApiIsAskedOnce) {
  FakeTokenRegistry fake;
  auto client = MakeClient(fake, Login{"u", "p"});
  for (int i = 0; i < 3; ++i) {
    auto referrers = client.Referrers("app", DigestOf("m"), {});
    ASSERT_TRUE(referrers.ok()) << referrers.status().ToString();
    EXPECT_TRUE(referrers->empty());
  }
  EXPECT_EQ(fake.referrers_requests, 1);
}

TEST(RegistryClient, ListsTagsAcrossPages) {
  FakeTokenRegistry fake;
  auto client = MakeClient(fake, Login{"u", "p"});
  auto tags = client.ListTags("app", {});
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(RegistryClient, BlobReadsFollowRedirectsWithoutTheRegistryToken) {
  FakeTokenRegistry fake;
  auto client = MakeClient(fake, Login{"u", "p"});
  std::string out;
  Status st = client.ReadBlob("app", DigestOf("x"), 10, 5, out, {});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(out, "bytes");
  EXPECT_NE(fake.storage_head().find("Range: bytes=10-14"), std::string::npos);
  EXPECT_EQ(fake.storage_head().find("Authorization"), std::string::npos);
}

TEST(NextPageTarget, ReadsTheNextLink) {
  EXPECT_EQ(NextPageTarget(R"(</v2/_catalog?last=b&n=2>; rel="next")"), "/v2/_catalog?last=b&n=2");
  EXPECT_EQ(NextPageTarget(R"(</v2/x>; rel="prev")"), "");
  EXPECT_EQ(NextPageTarget(""), "");
}

}  // namespace
}  // namespace ferry::images
