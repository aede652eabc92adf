#include "events/s3_event.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ferry::events {
namespace {

constexpr char kPut[] = R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",
  "awsRegion":"us-east-1","eventTime":"2026-01-31T12:00:00.000Z","eventName":"ObjectCreated:Put",
  "s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"src","arn":"arn:aws:s3:::src"},
  "object":{"key":"photos/red+flower%2B1.jpg","size":1024,"eTag":"0123456789abcdef0123456789abcdef",
  "sequencer":"0055AED6DCD90281E5"}}},
  {"eventName":"ObjectRemoved:DeleteMarkerCreated","s3":{"bucket":{"name":"src"},
  "object":{"key":"old.txt","sequencer":"0055AED6DCD90281E6"}}}]})";

TEST(ParseEventMessage, ReadsEveryRecordOfAnS3Message) {
  auto m = ParseEventMessage(kPut);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_FALSE(m->test_event);
  ASSERT_EQ(m->records.size(), 2u);
  const ObjectEvent& put = m->records[0];
  EXPECT_EQ(put.kind, EventKind::kCreated);
  EXPECT_EQ(put.bucket, "src");
  EXPECT_EQ(put.key, "photos/red flower+1.jpg");  // form-decoded
  EXPECT_EQ(put.size, 1024u);
  EXPECT_EQ(put.etag, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(put.sequencer, "0055AED6DCD90281E5");
  EXPECT_EQ(m->records[1].kind, EventKind::kRemoved);
  EXPECT_EQ(m->records[1].key, "old.txt");
}

TEST(ParseEventMessage, UnwrapsSnsNotifications) {
  nlohmann::json sns = {{"Type", "Notification"},
                        {"MessageId", "x"},
                        {"TopicArn", "arn:aws:sns:us-east-1:1:t"},
                        {"Message", kPut}};
  auto m = ParseEventMessage(sns.dump());
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->records.size(), 2u);
}

TEST(ParseEventMessage, ReadsEventBridgeEvents) {
  auto m = ParseEventMessage(R"({"version":"0","detail-type":"Object Created","source":"aws.s3",
    "time":"2026-01-31T12:00:00Z","detail":{"bucket":{"name":"src"},
    "object":{"key":"a b+c","size":5,"etag":"e","sequencer":"00AB"},"reason":"PutObject"}})");
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  ASSERT_EQ(m->records.size(), 1u);
  EXPECT_EQ(m->records[0].kind, EventKind::kCreated);
  EXPECT_EQ(m->records[0].key, "a b+c");  // EventBridge keys are not encoded
  auto deleted = ParseEventMessage(R"({"detail-type":"Object Deleted","source":"aws.s3",
    "detail":{"bucket":{"name":"src"},"object":{"key":"k"}}})");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->records[0].kind, EventKind::kRemoved);
}

TEST(ParseEventMessage, TestEventsAreRecognised) {
  auto m = ParseEventMessage(
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-31T12:00:00.000Z","Bucket":"src"})");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->test_event);
  EXPECT_TRUE(m->records.empty());
}

TEST(ParseEventMessage, OtherKindsAreNotReplicated) {
  auto m = ParseEventMessage(R"({"Records":[{"eventName":"ObjectTagging:Put",
    "s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->records[0].kind, EventKind::kOther);
}

TEST(ParseEventMessage, WhatIsNoEventIsAnErrorNeverACrash) {
  for (const char* body :
       {"", "not json", "[]", "42", R"({"Records": 5})", R"({"Records":[7]})",
        R"({"Records":[{"s3":{"bucket":{"name":"b"}}}]})", R"({"something":"else"})",
        R"({"Type":"Notification","Message":"garbage"})", R"({"source":"aws.s3","detail":{}})",
        R"({"Records":[{"s3":{"bucket":{"name":["b"]},"object":{"key":{"k":1},"size":"x"}}}]})"}) {
    auto m = ParseEventMessage(body);
    ASSERT_FALSE(m.ok()) << body;
    EXPECT_EQ(m.error().code(), Code::kInvalidArgument);
  }
}

TEST(CompareSequencers, PadsTheShorterOnTheRightThenComparesAsText) {
  EXPECT_LT(CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6"), 0);
  EXPECT_GT(CompareSequencers("0055AED6DCD90281E6", "0055AED6DCD90281E5"), 0);
  EXPECT_EQ(CompareSequencers("00AB", "00ab"), 0);
  EXPECT_EQ(CompareSequencers("00AB", "00AB00"), 0);
  // A longer value is not greater by its length alone: "0056" > "0055FFFF".
  EXPECT_GT(CompareSequencers("0056", "0055FFFF"), 0);
  EXPECT_LT(CompareSequencers("0055", "0055000001"), 0);
}

}  // namespace
}  // namespace ferry::events
