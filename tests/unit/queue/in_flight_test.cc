#include "queue/in_flight.h"

#include <gtest/gtest.h>

#include <thread>

#include "unit/queue/fake_sqs.h"

namespace ferry::queue {
namespace {

int Count(const std::vector<std::string>& actions, const std::string& action) {
  return static_cast<int>(std::count(actions.begin(), actions.end(), action));
}

TEST(InFlightMessages, DeletesInBatchesOfTen) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  {
    InFlightMessages in_flight(*client, sqs.queue_url(),
                               {.visibility_timeout = 60, .linger = std::chrono::seconds(5)});
    std::vector<uint64_t> handles;
    for (int i = 0; i < 25; ++i) {
      handles.push_back(in_flight.Track({"id", "rh" + std::to_string(i), "", 1, 0}));
    }
    for (uint64_t h : handles) in_flight.Done(h);
    in_flight.Flush();
    EXPECT_EQ(in_flight.deleted(), 25u);
    EXPECT_EQ(in_flight.tracked(), 0u);
  }
  EXPECT_EQ(Count(sqs.actions(), "DeleteMessageBatch"), 3);
}

// A batch sent because ten are waiting takes ten; the rest wait for the next
// ten (or the linger), whenever the sending thread happens to wake.
TEST(InFlightMessages, AFullBatchLeavesTheRestForTheNext) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  InFlightMessages in_flight(*client, sqs.queue_url(),
                             {.visibility_timeout = 60, .linger = std::chrono::seconds(30)});
  std::vector<uint64_t> handles;
  for (int i = 0; i < 20; ++i) {
    handles.push_back(in_flight.Track({"id", "rh" + std::to_string(i), "", 1, 0}));
  }
  for (int i = 0; i < 13; ++i) in_flight.Done(handles[i]);
  for (int i = 0; i < 100 && in_flight.deleted() < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(in_flight.deleted(), 10u);
  for (int i = 13; i < 20; ++i) in_flight.Done(handles[i]);
  // 3 + 7 waiting make another full batch without a Flush.
  for (int i = 0; i < 100 && in_flight.deleted() < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(in_flight.deleted(), 20u);
  EXPECT_EQ(Count(sqs.actions(), "DeleteMessageBatch"), 2);
}

TEST(InFlightMessages, RetryAndReleaseChangeTheVisibility) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  InFlightMessages in_flight(*client, sqs.queue_url(), {.visibility_timeout = 60});
  const uint64_t a = in_flight.Track({"a", "rh-a", "", 1, 0});
  in_flight.Track({"b", "rh-b", "", 1, 0});
  in_flight.Retry(a, 8);
  in_flight.Flush();
  in_flight.ReleaseAll();
  std::vector<int> timeouts;
  for (const auto& r : sqs.requests()) {
    if (!r.contains("Entries")) continue;
    for (const auto& e : r["Entries"]) timeouts.push_back(e["VisibilityTimeout"]);
  }
  EXPECT_EQ(timeouts, (std::vector<int>{8, 0}));
  EXPECT_EQ(in_flight.tracked(), 0u);
}

TEST(InFlightMessages, ExtendsTheVisibilityWhileWorkGoesOn) {
  testing::FakeSqs sqs;
  auto client = sqs.Client();
  InFlightMessages in_flight(*client, sqs.queue_url(), {.visibility_timeout = 2});
  const uint64_t h = in_flight.Track({"a", "rh-a", "", 1, 0});
  // The heartbeat is due after half the timeout: 1 s.
  for (int i = 0; i < 50 && in_flight.heartbeats() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(in_flight.heartbeats(), 1u);
  in_flight.Done(h);
  in_flight.Flush();
  EXPECT_GE(Count(sqs.actions(), "ChangeMessageVisibilityBatch"), 1);
  EXPECT_EQ(Count(sqs.actions(), "DeleteMessageBatch"), 1);
}

}  // namespace
}  // namespace ferry::queue
