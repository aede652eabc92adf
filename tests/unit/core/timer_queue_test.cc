// TimerQueue: backoff and --bwlimit delays without a sleeping thread each.
// The tests wait on results, never on wall-clock limits: a delay that never
// ends shows as a test that hangs until ctest's timeout.
#include "core/timer_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include "core/task.h"

namespace ferry {
namespace {

using namespace std::chrono_literals;

TEST(TimerQueue, ResumesAfterTheDelayOnTheTimersThread) {
  TimerQueue timers;
  const auto test_thread = std::this_thread::get_id();
  auto task = [&]() -> Task<std::chrono::steady_clock::duration> {
    const auto start = std::chrono::steady_clock::now();
    co_await timers.Sleep(20ms, {});
    EXPECT_NE(std::this_thread::get_id(), test_thread);
    co_return std::chrono::steady_clock::now() - start;
  };
  EXPECT_GE(RunBlocking(task()), 20ms);  // never early
}

TEST(TimerQueue, ADelayInThePastDoesNotSuspend) {
  TimerQueue timers;
  const auto test_thread = std::this_thread::get_id();
  auto task = [&]() -> Task<bool> {
    co_await timers.Sleep(-1s, {});
    co_return std::this_thread::get_id() == test_thread;
  };
  EXPECT_TRUE(RunBlocking(task()));
}

TEST(TimerQueue, ShorterDelaysAddedLaterEndFirst) {
  TimerQueue timers;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> all_done;
  int remaining = 3;
  auto sleeper = [&](std::chrono::milliseconds delay, int name) -> Task<void> {
    co_await timers.Sleep(delay, {});
    std::lock_guard lock(mu);
    order.push_back(name);
    if (--remaining == 0) all_done.set_value();
  };
  Detach(sleeper(300ms, 3), [] {});
  Detach(sleeper(150ms, 2), [] {});
  Detach(sleeper(1ms, 1), [] {});
  all_done.get_future().wait();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(TimerQueue, AStopEndsALongDelay) {
  TimerQueue timers;
  std::stop_source stop;
  std::promise<void> resumed;
  auto task = [&]() -> Task<void> {
    co_await timers.Sleep(std::chrono::hours(1), stop.get_token());
    resumed.set_value();
  };
  Detach(task(), [] {});
  stop.request_stop();
  resumed.get_future().wait();  // within the stop poll, not in an hour
}

TEST(TimerQueue, DestroyingTheQueueResumesEveryWaiter) {
  std::promise<void> resumed;
  auto sleep_an_hour = [&resumed](TimerQueue& timers) -> Task<void> {
    co_await timers.Sleep(std::chrono::hours(1), {});
    resumed.set_value();
  };
  {
    TimerQueue timers;
    Detach(sleep_an_hour(timers), [] {});
  }
  EXPECT_EQ(resumed.get_future().wait_for(0s), std::future_status::ready);
}

}  // namespace
}  // namespace ferry
