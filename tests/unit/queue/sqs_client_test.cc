#include "queue/sqs_client.h"

#include <gtest/gtest.h>

#include "unit/queue/fake_sqs.h"

namespace ferry::queue {
namespace {

TEST(SqsClient, SpeaksTheJsonProtocolSignedForSqs) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  auto failures = client->SendMessageBatch(sqs.queue_url(), {{"0", "hello", 0}, {"1", "w", 5}});
  ASSERT_TRUE(failures.ok()) << failures.error().ToString();
  EXPECT_TRUE(failures->empty());
  const std::string head = sqs.last_head();
  EXPECT_NE(head.find("POST / "), std::string::npos);
  EXPECT_NE(head.find("X-Amz-Target: AmazonSQS.SendMessageBatch"), std::string::npos);
  EXPECT_NE(head.find("application/x-amz-json-1.0"), std::string::npos);
  EXPECT_NE(head.find("/us-east-1/sqs/aws4_request"), std::string::npos);
  auto request = sqs.requests().back();
  EXPECT_EQ(request["QueueUrl"], sqs.queue_url());
  EXPECT_EQ(request["Entries"][1]["DelaySeconds"], 5);

  auto messages = client->ReceiveMessage(sqs.queue_url(), {.max_messages = 10, .wait_seconds = 0});
  ASSERT_TRUE(messages.ok()) << messages.error().ToString();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].body, "hello");
  EXPECT_EQ((*messages)[0].receive_count, 3);
  EXPECT_EQ((*messages)[0].sent_ms, 1700000000000);
  EXPECT_EQ(client->RequestCounts()["ReceiveMessage"], 1u);
}

TEST(SqsClient, RetriesThrottlingAndServerErrors) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  sqs.FailNext(2, 400, "RequestThrottled");
  auto url = client->GetQueueUrl("jobs");
  ASSERT_TRUE(url.ok()) << url.error().ToString();
  EXPECT_EQ(client->RequestCounts()["GetQueueUrl"], 3u);
  sqs.FailNext(1, 503, "ServiceUnavailable");
  EXPECT_TRUE(client->GetQueueUrl("jobs").ok());
}

TEST(SqsClient, ErrorsNameTheQueueAndWhatToCheck) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  sqs.FailNext(1, 400, "QueueDoesNotExist");
  auto attributes = client->GetQueueAttributes(sqs.queue_url(), {});
  ASSERT_FALSE(attributes.ok());
  EXPECT_EQ(attributes.error().code(), Code::kNotFound);
  EXPECT_NE(attributes.error().message().find("queue 'jobs' does not exist"), std::string::npos);
  EXPECT_EQ(client->RequestCounts()["GetQueueAttributes"], 1u);  // not retried

  sqs.FailNext(1, 403, "AccessDenied");
  Status denied = client->SetQueueAttributes(sqs.queue_url(), {{"VisibilityTimeout", "5"}});
  EXPECT_EQ(denied.code(), Code::kPermissionDenied);
  EXPECT_NE(denied.hint().find("sqs:SetQueueAttributes"), std::string::npos);

  sqs.FailNext(1, 400, "InvalidClientTokenId");
  auto refused = client->GetQueueUrl("jobs");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(refused.error().ToString().find("secret"), std::string::npos);
}

TEST(SqsErrorFromResponse, ReadsQueryProtocolErrorsToo) {
  net::HttpResponse r;
  r.status = 400;
  r.body =
      "<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue"
      "</Code><Message>gone</Message></Error></ErrorResponse>";
  Status st = SqsErrorFromResponse(r, "ReceiveMessage", "jobs", "http://x");
  EXPECT_EQ(st.code(), Code::kNotFound);
  r.status = 500;
  r.body = "not even xml";
  EXPECT_TRUE(SqsErrorFromResponse(r, "ReceiveMessage", "jobs", "http://x").IsRetryable());
}

}  // namespace
}  // namespace ferry::queue
