// SigV4 against published vectors: the S3 examples of the S3 API reference
// ("Signature Calculations for the Authorization Header", "Query String
// Authentication") and AWS's generic SigV4 test suite.
#include "auth/sigv4.h"

#include <gtest/gtest.h>

namespace ferry::auth {
namespace {

using sigv4_internal::Sign;

const Credentials kS3Docs{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "",
                          std::nullopt};
const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
                         std::nullopt};
constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string HexOf(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
}

// RFC 4231's test cases 1, 2 and 6 (a key longer than SHA-256's block is hashed
// first), and a key of exactly one block.
TEST(HmacSha256, MatchesRfc4231) {
  using sigv4_internal::HmacSha256;
  EXPECT_EQ(HexOf(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexOf(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexOf(HmacSha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HexOf(HmacSha256(std::string(64, 'k'), "exactly one block of key")),
            "baa93ea4ccc7062ed6870c5e7937dbd35ad7791df4e29df9addeb429ff491acf");
}

TEST(SigV4S3Examples, GetObjectWithRange) {
  auto parts = Sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt",
                    {{"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha},
                     {"x-amz-date", "20130524T000000Z"}},
                    kEmptySha, kS3Docs, "us-east-1", "s3", "20130524T000000Z", true);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"
            "5\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                std::string(kEmptySha));
  EXPECT_EQ(parts->string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(parts->signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3Examples, PutObject) {
  const std::string sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  EXPECT_EQ(Sha256Hex("Welcome to Amazon S3."), sha);
  auto parts = Sign("PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text",
                    {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", sha}},
                    sha, kS3Docs, "us-east-1", "s3", "20130524T000000Z", true);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3Examples, GetBucketLifecycle) {
  auto parts = Sign("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle",
                    {{"x-amz-date", "20130524T000000Z"}, {"x-amz-content-sha256", kEmptySha}},
                    kEmptySha, kS3Docs, "us-east-1", "s3", "20130524T000000Z", true);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjects) {
  auto parts = Sign("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
                    {{"x-amz-date", "20130524T000000Z"}, {"x-amz-content-sha256", kEmptySha}},
                    kEmptySha, kS3Docs, "us-east-1", "s3", "20130524T000000Z", true);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3Examples, PresignedUrl) {
  std::tm tm{};
  tm.tm_year = 2013 - 1900;
  tm.tm_mon = 4;
  tm.tm_mday = 24;
  const auto now = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto url = PresignUrl("GET", "https://examplebucket.s3.amazonaws.com/test.txt", kS3Docs,
                        "us-east-1", "s3", now, std::chrono::seconds(86400));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// AWS SigV4 test suite (aws-sig-v4-test-suite), service "service", us-east-1.
struct SuiteCase {
  const char* name;
  const char* method;
  const char* url;
  net::Headers headers;
  const char* body;
  const char* signature;
};

class SigV4Suite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4Suite, MatchesPublishedSignature) {
  const SuiteCase& c = GetParam();
  net::Headers headers = c.headers;
  headers.emplace_back("X-Amz-Date", "20150830T123600Z");
  auto parts = Sign(c.method, c.url, headers, Sha256Hex(c.body), kSuite, "us-east-1", "service",
                    "20150830T123600Z", false);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signature, c.signature) << parts->canonical_request;
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, SigV4Suite,
    ::testing::Values(
        SuiteCase{"get_vanilla", "GET", "https://example.amazonaws.com/",
                  {{"Host", "example.amazonaws.com"}}, "",
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"get_vanilla_query_order_key_case", "GET",
                  "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                  {{"Host", "example.amazonaws.com"}}, "",
                  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        SuiteCase{"post_vanilla", "POST", "https://example.amazonaws.com/",
                  {{"Host", "example.amazonaws.com"}}, "",
                  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
        // A repeated name: its values joined by ',' in the order given.
        SuiteCase{"get_header_key_duplicate", "GET", "https://example.amazonaws.com/",
                  {{"Host", "example.amazonaws.com"},
                   {"My-Header1", "value2"},
                   {"My-Header1", "value2"},
                   {"My-Header1", "value1"}},
                  "", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        SuiteCase{"get_header_value_order", "GET", "https://example.amazonaws.com/",
                  {{"Host", "example.amazonaws.com"},
                   {"My-Header1", "value4"},
                   {"My-Header1", "value1"},
                   {"My-Header1", "value3"},
                   {"My-Header1", "value2"}},
                  "", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
        // Values trimmed, runs of spaces collapsed (inside quotes too).
        SuiteCase{"get_header_value_trim", "GET", "https://example.amazonaws.com/",
                  {{"Host", "example.amazonaws.com"},
                   {"My-Header1", " value1"},
                   {"My-Header2", " \"a   b   c\""}},
                  "", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SigV4, SignRequestAddsHeadersAndToken) {
  net::HttpRequest req;
  req.url = "http://127.0.0.1:9000/bucket/key";
  Credentials creds{"AKID", "SECRET", "TOKEN", std::nullopt};
  ASSERT_TRUE(SignRequest(req, creds, {"us-east-1", "s3", std::chrono::system_clock::now(), ""})
                  .ok());
  EXPECT_EQ(net::FindHeader(req.headers, "x-amz-content-sha256").value_or(""), kEmptySha);
  EXPECT_EQ(net::FindHeader(req.headers, "x-amz-security-token").value_or(""), "TOKEN");
  const std::string auth(net::FindHeader(req.headers, "authorization").value_or(""));
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/")) << auth;
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"),
            std::string::npos)
      << auth;
  EXPECT_EQ(auth.find("SECRET"), std::string::npos);
  // Signing again (a retry) replaces the signature instead of signing the old one.
  ASSERT_TRUE(SignRequest(req, creds, {"us-east-1", "s3", std::chrono::system_clock::now(), ""})
                  .ok());
  int authorizations = 0;
  for (const auto& h : req.headers) authorizations += h.first == "Authorization";
  EXPECT_EQ(authorizations, 1);
}

}  // namespace
}  // namespace ferry::auth
