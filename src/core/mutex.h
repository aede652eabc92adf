// A mutex, its scoped lock and a condition variable that clang's thread-safety
// analysis understands (core/thread_annotations.h): std::mutex and
// std::lock_guard carry no annotations, so members GUARDED_BY a std::mutex could
// not be checked. Thin wrappers over the standard types; no behaviour of their own.
//
//   Mutex mu_;
//   std::deque<Job> queue_ GUARDED_BY(mu_);
//   CondVar changed_;
//
//   MutexLock lock(mu_);
//   changed_.Wait(lock, [&]() REQUIRES(mu_) { return !queue_.empty(); });
//
// A predicate passed to CondVar runs with the lock held, but the analysis checks
// a lambda's body on its own: mark it REQUIRES(mu_), as above.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/thread_annotations.h"

namespace ferry {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // Prefer MutexLock; these are for the rare lock that is no scope's.
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Returns true and holds the lock if it was free; never waits.
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex from construction to destruction (std::lock_guard). Unlock() and
// Lock() let a scope give the lock up for a while, e.g. around a slow call; the
// destructor releases it only if held.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() { lock_.unlock(); }
  void Lock() ACQUIRE() { lock_.lock(); }

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> lock_;
};

// std::condition_variable for a MutexLock. Waits release the lock while they
// sleep and hold it again when they return; as with any condition variable, a
// wait without a predicate may wake spuriously, so callers re-check.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(MutexLock& lock) { cv_.wait(lock.lock_); }
  // Returns once `pred()` is true (checked with the lock held).
  template <class Pred>
  void Wait(MutexLock& lock, Pred pred) {
    cv_.wait(lock.lock_, std::move(pred));
  }

  // Returns false if `timeout` passed without a notification (it may also wake early).
  template <class Rep, class Period>
  bool WaitFor(MutexLock& lock, std::chrono::duration<Rep, Period> timeout) {
    return cv_.wait_for(lock.lock_, timeout) == std::cv_status::no_timeout;
  }
  // Returns `pred()`: false only if `timeout` passed with `pred()` still false.
  template <class Rep, class Period, class Pred>
  bool WaitFor(MutexLock& lock, std::chrono::duration<Rep, Period> timeout, Pred pred) {
    return cv_.wait_for(lock.lock_, timeout, std::move(pred));
  }
  // Returns false if `deadline` passed without a notification (it may also wake early).
  template <class Clock, class Duration>
  bool WaitUntil(MutexLock& lock, std::chrono::time_point<Clock, Duration> deadline) {
    return cv_.wait_until(lock.lock_, deadline) == std::cv_status::no_timeout;
  }
  // Returns `pred()`: false only if `deadline` passed with `pred()` still false.
  template <class Clock, class Duration, class Pred>
  bool WaitUntil(MutexLock& lock, std::chrono::time_point<Clock, Duration> deadline, Pred pred) {
    return cv_.wait_until(lock.lock_, deadline, std::move(pred));
  }

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace ferry
