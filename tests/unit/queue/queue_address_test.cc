#include "queue/queue_address.h"

#include <gtest/gtest.h>

namespace ferry::queue {
namespace {

TEST(ParseQueueUrl, AmazonUrlsNameTheRegion) {
  auto a = ParseQueueUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->name, "jobs");
  EXPECT_EQ(a->endpoint, "https://sqs.eu-west-1.amazonaws.com");
  EXPECT_EQ(a->Arn(), "arn:aws:sqs:eu-west-1:123456789012:jobs");
  EXPECT_EQ(a->Sibling("jobs-dlq"), "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-dlq");

  auto legacy = ParseQueueUrl("https://ap-south-1.queue.amazonaws.com/123456789012/q.fifo");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->region, "ap-south-1");
  EXPECT_EQ(legacy->name, "q.fifo");

  auto china = ParseQueueUrl("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q");
  ASSERT_TRUE(china.ok());
  EXPECT_EQ(china->Arn(), "arn:aws-cn:sqs:cn-north-1:123456789012:q");
}

TEST(ParseQueueUrl, OtherServicesTakeTheRegionAndEndpointGiven) {
  auto a = ParseQueueUrl("http://127.0.0.1:4566/000000000000/events/", "eu-central-1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->region, "eu-central-1");
  EXPECT_EQ(a->endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(a->url, "http://127.0.0.1:4566/000000000000/events");
  auto vpc = ParseQueueUrl("https://sqs.us-east-2.amazonaws.com/123456789012/q", "",
                           "https://vpce-1.sqs.us-east-2.vpce.amazonaws.com/");
  ASSERT_TRUE(vpc.ok());
  EXPECT_EQ(vpc->region, "us-east-2");
  EXPECT_EQ(vpc->endpoint, "https://vpce-1.sqs.us-east-2.vpce.amazonaws.com");
}

TEST(ParseQueueUrl, MalformedUrlsSayWhatAQueueUrlLooksLike) {
  for (const char* bad : {"jobs", "https://sqs.us-east-1.amazonaws.com/", "ftp://x/1/q",
                          "https://sqs.us-east-1.amazonaws.com/1/bad name",
                          "https://sqs.us-east-1.amazonaws.com/1/q?x=1"}) {
    auto a = ParseQueueUrl(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.error().code(), Code::kInvalidArgument);
    EXPECT_NE(a.error().hint().find("ACCOUNT/NAME"), std::string::npos);
  }
}

}  // namespace
}  // namespace ferry::queue
