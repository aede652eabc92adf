// How S3Client addresses and re-addresses a request, seen from a loopback server:
// path-style or virtual-hosted URLs, and the region a redirect names.
#include <gtest/gtest.h>

#include "auth/static_provider.h"
#include "s3/s3_client.h"
#include "unit/net/loopback_server.h"

namespace ferry::s3 {
namespace {

using testing::LoopbackServer;

std::unique_ptr<S3Client> ClientFor(const std::string& endpoint, Addressing addressing,
                                    const std::string& region = "us-east-1") {
  S3Config config;
  config.endpoint = endpoint;
  config.region = region;
  config.addressing = addressing;
  config.retry.max_attempts = 1;
  auto creds = std::make_shared<auth::StaticProvider>(
      auth::Credentials{"AKIDEXAMPLE", "secret", ""}, "test keys");
  auto client = S3Client::Create(config, creds, std::make_shared<net::HttpClient>());
  EXPECT_TRUE(client.ok());
  return std::move(*client);
}

std::string RequestLine(const std::string& head) { return head.substr(0, head.find("\r\n")); }

TEST(Addressing, AutoUsesPathStyleForLoopbackEndpoints) {
  LoopbackServer server;
  auto client = ClientFor(server.url(""), Addressing::kAuto);
  ASSERT_TRUE(client->HeadObject("bucket", "a b/c+d").ok());
  EXPECT_EQ(RequestLine(server.last_head()), "HEAD /bucket/a%20b/c%2Bd HTTP/1.1");
}

TEST(Addressing, VirtualHostedPutsTheBucketInTheHostName) {
  LoopbackServer server;
  // curl resolves every *.localhost name to the loopback address.
  auto client = ClientFor("http://localhost:" + std::to_string(server.port()),
                          Addressing::kVirtualHosted);
  ASSERT_TRUE(client->HeadObject("bucket", "k").ok());
  const std::string head = server.last_head();
  EXPECT_EQ(RequestLine(head), "HEAD /k HTTP/1.1");
  EXPECT_NE(head.find("Host: bucket.localhost:" + std::to_string(server.port())),
            std::string::npos)
      << head;
}

TEST(Addressing, BucketNamesThatAreNotHostNamesFallBackToPathStyle) {
  LoopbackServer server;
  auto client = ClientFor("http://localhost:" + std::to_string(server.port()),
                          Addressing::kVirtualHosted);
  ASSERT_TRUE(client->HeadObject("Not_A_Host", "k").ok());
  EXPECT_EQ(RequestLine(server.last_head()), "HEAD /Not_A_Host/k HTTP/1.1");
}

TEST(RegionRedirect, RetriesSignedForTheRegionTheServiceNames) {
  LoopbackServer server;
  server.Answer("GET /bucket/k", 301,
                "<Error><Code>PermanentRedirect</Code><Message>elsewhere</Message>"
                "<Region>eu-west-2</Region></Error>");
  auto client = ClientFor(server.url(""), Addressing::kPath, "us-east-1");
  auto read = client->GetObject("bucket", "k", 0, 0, [](std::string_view) { return true; });
  // The canned answer never changes, so the call still fails, but only after one
  // more try signed for eu-west-2.
  EXPECT_FALSE(read.ok());
  EXPECT_NE(server.last_head().find("/eu-west-2/s3/aws4_request"), std::string::npos)
      << server.last_head();
}

}  // namespace
}  // namespace ferry::s3
