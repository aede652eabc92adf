// Units (bytes of memory, requests in flight) that coroutines wait for without
// holding a thread: the backpressure of a run, as aws-c-s3's buffer pool.
#pragma once

#include <coroutine>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/mutex.h"

namespace ferry {

class AsyncSemaphore {
 public:
  explicit AsyncSemaphore(uint64_t capacity) : capacity_(capacity) {}
  AsyncSemaphore(const AsyncSemaphore&) = delete;
  AsyncSemaphore& operator=(const AsyncSemaphore&) = delete;

  // Resumes once `n` units are free. First come, first served, so a large
  // request is not starved by small ones; a request above the capacity waits
  // until nothing else is held, so it still makes progress.
  auto Acquire(uint64_t n) {
    struct Awaiter {
      AsyncSemaphore& sem;
      uint64_t n;
      bool await_ready() { return sem.TryTake(n); }
      bool await_suspend(std::coroutine_handle<> h) { return sem.Enqueue(n, h); }
      void await_resume() const noexcept {}
    };
    return Awaiter{*this, n};
  }
  // Gives back `n` units and resumes the waiters that now fit (on this thread).
  void Release(uint64_t n) {
    std::vector<std::coroutine_handle<>> ready;
    {
      MutexLock lock(mu_);
      used_ -= n;
      GrantLocked(ready);
    }
    for (auto h : ready) h.resume();
  }
  // Changes the capacity (an adaptive limit); waiters that now fit are resumed.
  void SetCapacity(uint64_t capacity) {
    std::vector<std::coroutine_handle<>> ready;
    {
      MutexLock lock(mu_);
      capacity_ = capacity;
      GrantLocked(ready);
    }
    for (auto h : ready) h.resume();
  }
  uint64_t capacity() const {
    MutexLock lock(mu_);
    return capacity_;
  }
  uint64_t used() const {
    MutexLock lock(mu_);
    return used_;
  }

 private:
  bool Fits(uint64_t n) const REQUIRES(mu_) { return used_ + n <= capacity_ || used_ == 0; }
  bool TryTake(uint64_t n) {
    MutexLock lock(mu_);
    if (!waiters_.empty() || !Fits(n)) return false;
    used_ += n;
    return true;
  }
  // False when the units were free after all (then the caller goes on at once).
  bool Enqueue(uint64_t n, std::coroutine_handle<> h) {
    MutexLock lock(mu_);
    if (waiters_.empty() && Fits(n)) {
      used_ += n;
      return false;
    }
    waiters_.emplace_back(n, h);
    return true;
  }
  void GrantLocked(std::vector<std::coroutine_handle<>>& ready) REQUIRES(mu_) {
    while (!waiters_.empty() && Fits(waiters_.front().first)) {
      used_ += waiters_.front().first;
      ready.push_back(waiters_.front().second);
      waiters_.pop_front();
    }
  }

  mutable Mutex mu_;
  uint64_t capacity_ GUARDED_BY(mu_);
  uint64_t used_ GUARDED_BY(mu_) = 0;
  std::deque<std::pair<uint64_t, std::coroutine_handle<>>> waiters_ GUARDED_BY(mu_);
};

}  // namespace ferry
