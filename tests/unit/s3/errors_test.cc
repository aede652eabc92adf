#include "s3/errors.h"

#include <gtest/gtest.h>

namespace ferry::s3 {
namespace {

net::HttpResponse Response(long status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>1</RequestId></Error>";
}

ErrorContext Ctx(std::string bucket, std::string key, Side side = Side::kDestination) {
  return {"PutObject", "s3:PutObject", std::move(bucket), std::move(key), "http://127.0.0.1:1",
          side};
}

TEST(ErrorFromResponse, NoSuchBucketNamesBucketSideAndEndpoint) {
  Status s = ErrorFromResponse(Response(404, ErrorXml("NoSuchBucket", "x")), Ctx("dst", ""));
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.side(), Side::kDestination);
  EXPECT_EQ(s.service_code(), "NoSuchBucket");
  const std::string text = s.ToString();
  EXPECT_NE(text.find("destination: bucket 'dst' does not exist at http://127.0.0.1:1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("must exist"), std::string::npos) << text;
}

TEST(ErrorFromResponse, InvalidAccessKeyIsAuthErrorWithKeyRegionHint) {
  Status s = ErrorFromResponse(
      Response(403, ErrorXml("InvalidAccessKeyId", "The AWS Access Key Id you provided does not "
                                                   "exist in our records.")),
      Ctx("b", "k", Side::kSource));
  EXPECT_EQ(s.code(), Code::kUnauthenticated);
  EXPECT_FALSE(s.IsRetryable());
  EXPECT_NE(s.ToString().find("source: PutObject on s3://b/k was refused"), std::string::npos);
  EXPECT_NE(s.hint().find("region"), std::string::npos);
}

TEST(ErrorFromResponse, AccessDeniedPointsAtTheMissingPermission) {
  Status s = ErrorFromResponse(Response(403, ErrorXml("AccessDenied", "Access Denied")),
                               Ctx("b", "k"));
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("access denied for PutObject on s3://b/k"), std::string::npos);
  EXPECT_NE(s.hint().find("s3:PutObject"), std::string::npos);
}

TEST(ErrorFromResponse, ThrottlingAndServerErrorsAreRetryable) {
  EXPECT_EQ(ErrorFromResponse(Response(503, ErrorXml("SlowDown", "Reduce")), Ctx("b", "k")).code(),
            Code::kResourceExhausted);
  EXPECT_EQ(ErrorFromResponse(Response(503, ""), Ctx("b", "k")).code(), Code::kResourceExhausted);
  EXPECT_TRUE(ErrorFromResponse(Response(500, ErrorXml("InternalError", "x")), Ctx("b", "k"))
                  .IsRetryable());
  EXPECT_TRUE(ErrorFromResponse(Response(400, ErrorXml("RequestTimeout", "x")), Ctx("b", "k"))
                  .IsRetryable());
  EXPECT_TRUE(ErrorFromResponse(Response(502, "<html>bad gateway</html>"), Ctx("b", "k"))
                  .IsRetryable());
  EXPECT_EQ(ErrorFromResponse(Response(429, ""), Ctx("b", "k")).code(), Code::kResourceExhausted);
}

TEST(ErrorFromResponse, BodilessHeadStatusesAreMapped) {
  EXPECT_EQ(ErrorFromResponse(Response(404, ""), Ctx("b", "")).service_code(), "NoSuchBucket");
  EXPECT_EQ(ErrorFromResponse(Response(404, ""), Ctx("b", "k")).service_code(), "NoSuchKey");
  EXPECT_EQ(ErrorFromResponse(Response(403, ""), Ctx("b", "k")).code(), Code::kPermissionDenied);
}

TEST(ErrorFromResponse, MalformedTokenExplainsSecretFormat) {
  Status s = ErrorFromResponse(
      Response(400, ErrorXml("InvalidToken", "The provided token is malformed")), Ctx("b", "k"));
  EXPECT_EQ(s.code(), Code::kUnauthenticated);
  EXPECT_NE(s.hint().find("\"access_key_id\""), std::string::npos);
}

TEST(ParseErrorDocument, ReadsRegion) {
  auto doc = ParseErrorDocument(
      "<Error><Code>AuthorizationHeaderMalformed</Code><Message>m</Message>"
      "<Region>eu-west-1</Region></Error>");
  EXPECT_EQ(doc.code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(doc.region, "eu-west-1");
  EXPECT_TRUE(ParseErrorDocument("not xml").code.empty());
}

}  // namespace
}  // namespace ferry::s3
