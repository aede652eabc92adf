// AsyncSemaphore: the memory and request budgets of a run. Waiters are
// coroutines, resumed by Release on the releasing thread, first come first served.
#include "core/async_semaphore.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/task.h"

namespace ferry {
namespace {

// Takes `n` units, records its name, and holds them until the test releases.
Task<void> Take(AsyncSemaphore& sem, uint64_t n, int name, std::vector<int>& granted) {
  co_await sem.Acquire(n);
  granted.push_back(name);
}

TEST(AsyncSemaphore, GrantsAtOnceWhileUnitsAreFree) {
  AsyncSemaphore sem(10);
  std::vector<int> granted;
  Detach(Take(sem, 4, 1, granted), [] {});
  Detach(Take(sem, 6, 2, granted), [] {});
  EXPECT_EQ(granted, (std::vector<int>{1, 2}));
  EXPECT_EQ(sem.used(), 10u);
}

TEST(AsyncSemaphore, AWaiterResumesOnReleaseAndNotBefore) {
  AsyncSemaphore sem(10);
  std::vector<int> granted;
  Detach(Take(sem, 8, 1, granted), [] {});
  Detach(Take(sem, 5, 2, granted), [] {});
  EXPECT_EQ(granted, (std::vector<int>{1}));
  sem.Release(2);  // 6 used: 5 more do not fit
  EXPECT_EQ(granted, (std::vector<int>{1}));
  sem.Release(6);
  EXPECT_EQ(granted, (std::vector<int>{1, 2}));
  EXPECT_EQ(sem.used(), 5u);
}

TEST(AsyncSemaphore, FirstComeFirstServedSoALargeRequestIsNotStarved) {
  AsyncSemaphore sem(10);
  std::vector<int> granted;
  Detach(Take(sem, 10, 1, granted), [] {});
  Detach(Take(sem, 9, 2, granted), [] {});  // large, waits
  Detach(Take(sem, 1, 3, granted), [] {});  // small, would fit after 2 but queues behind it
  sem.Release(1);  // 1 free: enough for 3, but 2 is first
  EXPECT_EQ(granted, (std::vector<int>{1}));
  sem.Release(9);
  EXPECT_EQ(granted, (std::vector<int>{1, 2, 3}));
}

TEST(AsyncSemaphore, ARequestAboveCapacityRunsAlone) {
  AsyncSemaphore sem(10);
  std::vector<int> granted;
  Detach(Take(sem, 3, 1, granted), [] {});
  Detach(Take(sem, 25, 2, granted), [] {});  // an object larger than --memory
  EXPECT_EQ(granted, (std::vector<int>{1}));
  sem.Release(3);
  EXPECT_EQ(granted, (std::vector<int>{1, 2}));
  EXPECT_EQ(sem.used(), 25u);
}

TEST(AsyncSemaphore, RaisingTheCapacityResumesWaitersThatNowFit) {
  AsyncSemaphore sem(2);  // an adaptive request limit
  std::vector<int> granted;
  for (int i = 1; i <= 4; ++i) Detach(Take(sem, 1, i, granted), [] {});
  EXPECT_EQ(granted, (std::vector<int>{1, 2}));
  sem.SetCapacity(3);
  EXPECT_EQ(granted, (std::vector<int>{1, 2, 3}));
  sem.SetCapacity(1);  // lowering takes effect as units come back
  sem.Release(2);
  EXPECT_EQ(granted, (std::vector<int>{1, 2, 3}));
  sem.Release(1);
  EXPECT_EQ(granted, (std::vector<int>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace ferry
