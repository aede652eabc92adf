#include "net/url.h"

#include <gtest/gtest.h>

namespace ferry::net {
namespace {

TEST(ParseUrl, SplitsSchemeHostPortPathQuery) {
  auto u = ParseUrl("HTTPS://S3.Example.com:8443/bucket/a%20b?list-type=2&x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "s3.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/bucket/a%20b");
  EXPECT_EQ(u->query, "list-type=2&x=1");
  EXPECT_EQ(u->Authority(), "s3.example.com:8443");
}

TEST(ParseUrl, DefaultPortIsLeftOutOfAuthority) {
  auto u = ParseUrl("https://s3.amazonaws.com:443");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->Authority(), "s3.amazonaws.com");
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->ToString(), "https://s3.amazonaws.com/");
}

TEST(ParseUrl, Ipv6Literal) {
  auto u = ParseUrl("http://[::1]:9000/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->Authority(), "[::1]:9000");
  EXPECT_TRUE(IsIpOrLocalhost(u->host));
}

TEST(ParseUrl, RejectsMalformedWithReason) {
  for (const char* bad : {"s3.amazonaws.com", "ftp://host", "http://", "http://host:99999",
                          "http://host:abc", "http://ho st/", "http://[::1/"}) {
    auto u = ParseUrl(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.error().code(), Code::kInvalidArgument);
    EXPECT_NE(u.error().message().find(bad), std::string::npos) << u.error().message();
    EXPECT_FALSE(u.error().hint().empty());
  }
}

TEST(UriEncode, EncodesAllButUnreserved) {
  EXPECT_EQ(UriEncode("a b+c%d?e#f&g=h~i/j", false), "a%20b%2Bc%25d%3Fe%23f%26g%3Dh~i%2Fj");
  EXPECT_EQ(UriEncode("dir/sub/", true), "dir/sub/");
  EXPECT_EQ(UriEncode("\xE6\x97\xA5", false), "%E6%97%A5");
}

TEST(UriDecode, RoundTripsAndKeepsInvalidSequences) {
  const std::string raw = "k \xF0\x9F\x9A\x80+%/?#&='\"~//";
  EXPECT_EQ(UriDecode(UriEncode(raw, false)), raw);
  EXPECT_EQ(UriDecode("a%2"), "a%2");
  EXPECT_EQ(UriDecode("a%zz"), "a%zz");
  EXPECT_EQ(UriDecode("a+b"), "a+b");
  EXPECT_EQ(UriDecode("a+b%2B", /*plus_is_space=*/true), "a b+");
}

TEST(IsIpOrLocalhost, RecognisesLiterals) {
  EXPECT_TRUE(IsIpOrLocalhost("127.0.0.1"));
  EXPECT_TRUE(IsIpOrLocalhost("localhost"));
  EXPECT_FALSE(IsIpOrLocalhost("s3.amazonaws.com"));
}

}  // namespace
}  // namespace ferry::net
