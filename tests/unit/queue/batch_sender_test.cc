#include "queue/batch_sender.h"

#include <gtest/gtest.h>

#include "unit/queue/fake_sqs.h"

namespace ferry::queue {
namespace {

TEST(SendAll, PacksTenAtATimeWithinTheByteLimit) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  std::vector<std::string> bodies;
  for (int i = 0; i < 25; ++i) bodies.push_back("m" + std::to_string(i));
  bodies.push_back(std::string(200 * 1024, 'a'));
  bodies.push_back(std::string(100 * 1024, 'b'));  // does not fit beside the one before
  ASSERT_TRUE(SendAll(*client, sqs.queue_url(), bodies, {}).ok());
  EXPECT_EQ(sqs.bodies().size(), bodies.size());
  size_t most = 0;
  for (const auto& r : sqs.requests()) {
    ASSERT_LE(r["Entries"].size(), 10u);
    size_t bytes = 0;
    for (const auto& e : r["Entries"]) bytes += e["MessageBody"].get<std::string>().size();
    EXPECT_LE(bytes, kMaxBatchBytes);
    most = std::max(most, r["Entries"].size());
  }
  EXPECT_EQ(most, 10u);
  EXPECT_EQ(sqs.requests().size(), 4u);  // 10 + 10 + (5 + 200K) + 100K
}

TEST(SendAll, SendsAgainWhatFailedUntilItIsAccepted) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  sqs.FailEntries("flaky", 2);
  ASSERT_TRUE(SendAll(*client, sqs.queue_url(), {"a", "flaky", "b"}, {}).ok());
  auto sent = sqs.bodies();
  EXPECT_EQ(sent.size(), 3u);
  EXPECT_EQ(std::count(sent.begin(), sent.end(), "flaky"), 1);
}

TEST(SendAll, NeverDropsSilently) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  sqs.FailEntries("flaky", 1000);
  Status st = SendAll(*client, sqs.queue_url(), {"a", "flaky"}, {}, {.max_rounds = 2});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("1 of 2 messages could not be sent"), std::string::npos);
}

}  // namespace
}  // namespace ferry::queue
