// Mutex, MutexLock and CondVar: thin wrappers, so the tests check the wiring
// (who holds the lock when) rather than the standard library underneath.
#include "core/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace ferry {
namespace {

using namespace std::chrono_literals;

// True if `mu` is free now: taken and given back at once.
bool IsFree(Mutex& mu) {
  if (!mu.TryLock()) return false;
  mu.Unlock();
  return true;
}

// Asks from another thread: a thread's own std::mutex::try_lock is undefined.
bool IsFreeForOthers(Mutex& mu) {
  bool free = false;
  std::thread([&] { free = IsFree(mu); }).join();
  return free;
}

// A value handed from one thread to another, as the annotated classes do it.
class Box {
 public:
  void Put(int v) {
    MutexLock lock(mu_);
    value_ = v;
    full_ = true;
    changed_.NotifyAll();
  }
  int Take() {
    MutexLock lock(mu_);
    changed_.Wait(lock, [&]() REQUIRES(mu_) { return full_; });
    full_ = false;
    return value_;
  }
  // Returns false if nothing came within `timeout`.
  bool TakeFor(std::chrono::milliseconds timeout, int* v) {
    MutexLock lock(mu_);
    if (!changed_.WaitFor(lock, timeout, [&]() REQUIRES(mu_) { return full_; })) return false;
    full_ = false;
    *v = value_;
    return true;
  }
  Mutex& mu() RETURN_CAPABILITY(mu_) { return mu_; }

 private:
  Mutex mu_;
  CondVar changed_;
  int value_ GUARDED_BY(mu_) = 0;
  bool full_ GUARDED_BY(mu_) = false;
};

TEST(Mutex, LockExcludesOthersUntilUnlocked) {
  Mutex mu;
  {
    MutexLock lock(mu);
    EXPECT_FALSE(IsFreeForOthers(mu));
    lock.Unlock();
    EXPECT_TRUE(IsFreeForOthers(mu));
    lock.Lock();
    EXPECT_FALSE(IsFreeForOthers(mu));
  }  // released here
  EXPECT_TRUE(IsFreeForOthers(mu));
}

TEST(Mutex, DestructorAfterUnlockLeavesTheMutexFree) {
  Mutex mu;
  {
    MutexLock lock(mu);
    lock.Unlock();
  }
  EXPECT_TRUE(IsFreeForOthers(mu));
}

TEST(CondVar, HandsAValueToAnotherThread) {
  Box box;
  int taken = 0;
  std::thread taker([&] { taken = box.Take(); });
  box.Put(42);
  taker.join();
  EXPECT_EQ(taken, 42);
}

TEST(CondVar, WaitReleasesTheLockWhileItSleeps) {
  Box box;
  int taken = 0;
  std::thread taker([&] { taken = box.Take(); });
  // Put takes the lock: it could not while Take sleeps holding it.
  std::this_thread::sleep_for(10ms);
  box.Put(7);
  taker.join();
  EXPECT_EQ(taken, 7);
  EXPECT_TRUE(IsFreeForOthers(box.mu()));  // Take gave the lock back on return
}

TEST(CondVar, WaitForTimesOutWhenNothingComes) {
  Box box;
  int v = 0;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(box.TakeFor(30ms, &v));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);  // never early
}

TEST(CondVar, WaitForReturnsOnceTheValueComes) {
  Box box;
  int v = 0;
  std::thread putter([&] { box.Put(5); });
  EXPECT_TRUE(box.TakeFor(30s, &v));
  putter.join();
  EXPECT_EQ(v, 5);
}

TEST(CondVar, WaitUntilReturnsThePredicate) {
  Mutex mu;
  CondVar cv;
  MutexLock lock(mu);
  EXPECT_TRUE(cv.WaitUntil(lock, std::chrono::steady_clock::now() + 1s, [] { return true; }));
  EXPECT_FALSE(cv.WaitUntil(lock, std::chrono::steady_clock::now() + 5ms, [] { return false; }));
}

}  // namespace
}  // namespace ferry
