// Delays without a sleeping thread per delay: backoff between attempts and the
// --bwlimit pace. One thread wakes each waiting coroutine at its time, or at
// once when its stop token is signalled.
#pragma once

#include <chrono>
#include <coroutine>
#include <stop_token>
#include <thread>
#include <vector>

#include "core/mutex.h"

namespace ferry {

class TimerQueue {
 public:
  TimerQueue();
  // Resumes every waiter at once (as if stopped) and joins the thread.
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Resumes the awaiting coroutine after `delay`, or sooner if `stop` is signalled
  // (on the timer's thread).
  auto Sleep(std::chrono::nanoseconds delay, std::stop_token stop) {
    struct Awaiter {
      TimerQueue& queue;
      std::chrono::steady_clock::time_point at;
      std::stop_token stop;
      bool await_ready() const { return at <= std::chrono::steady_clock::now(); }
      void await_suspend(std::coroutine_handle<> h) { queue.Add({at, h, stop}); }
      void await_resume() const noexcept {}
    };
    return Awaiter{*this, std::chrono::steady_clock::now() + delay, std::move(stop)};
  }

 private:
  struct Entry {
    std::chrono::steady_clock::time_point at;
    std::coroutine_handle<> handle;
    std::stop_token stop;
  };
  void Add(Entry entry);
  void Run();

  Mutex mu_;
  CondVar wake_;
  std::vector<Entry> entries_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ferry
