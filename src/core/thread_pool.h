// A fixed set of threads running queued tasks: the injected executor of STYLE.md.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ferry {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  // Runs what is queued, then joins.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

// Bounds the bytes held in transfer buffers (--memory): Acquire blocks until the
// budget has room. A request larger than the whole budget waits until nothing
// else is held, so one huge part still makes progress.
class ByteBudget {
 public:
  explicit ByteBudget(uint64_t limit) : limit_(limit) {}
  void Acquire(uint64_t bytes);
  void Release(uint64_t bytes);

 private:
  mutable std::mutex mu_;
  std::condition_variable freed_;
  uint64_t limit_;
  uint64_t used_ = 0;  // guarded by mu_
};

// Holds `bytes` of a ByteBudget for its lifetime.
class BudgetLease {
 public:
  BudgetLease(ByteBudget& budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {
    budget_.Acquire(bytes_);
  }
  ~BudgetLease() {
    if (bytes_ > 0) budget_.Release(bytes_);
  }
  BudgetLease(BudgetLease&& other) noexcept
      : budget_(other.budget_), bytes_(std::exchange(other.bytes_, 0)) {}
  BudgetLease(const BudgetLease&) = delete;
  BudgetLease& operator=(const BudgetLease&) = delete;

 private:
  ByteBudget& budget_;
  uint64_t bytes_;
};

}  // namespace ferry
