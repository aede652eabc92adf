#include "events/key_serializer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <vector>

namespace ferry::events {
namespace {

TEST(KeySerializer, OneKeyRunsInOrderOneAtATime) {
  ThreadPool pool(8);
  KeySerializer serializer(pool);
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> running{0}, most{0}, finished{0};
  for (int i = 0; i < 50; ++i) {
    serializer.Run("k", [&, i](std::function<void()> done) {
      const int now = ++running;
      most = std::max(most.load(), now);
      {
        std::lock_guard lock(mu);
        order.push_back(i);
      }
      --running;
      ++finished;
      done();
    });
  }
  while (finished < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(most, 1);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  while (serializer.active() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(KeySerializer, DifferentKeysRunAtOnceAndDoneMayComeLater) {
  ThreadPool pool(4);
  KeySerializer serializer(pool);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::vector<std::function<void()>> dones;
  for (const char* key : {"a", "b"}) {
    serializer.Run(key, [&](std::function<void()> done) {
      std::lock_guard lock(mu);
      ++started;
      dones.push_back(std::move(done));
      cv.notify_all();
    });
  }
  std::atomic<bool> second_a{false};
  serializer.Run("a", [&](std::function<void()> done) {
    second_a = true;
    done();
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started == 2; });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(second_a);  // "a" is still held by its first work
  for (auto& d : dones) d();
  while (!second_a) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  while (serializer.active() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace
}  // namespace ferry::events
