#include "core/timer_queue.h"

#include <algorithm>

namespace ferry {
namespace {

// How often stop tokens are looked at: a stopped run's delays end within this.
constexpr auto kStopPoll = std::chrono::milliseconds(100);

}  // namespace

TimerQueue::TimerQueue() : thread_([this] { Run(); }) {}

TimerQueue::~TimerQueue() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.join();
}

void TimerQueue::Add(Entry entry) {
  {
    MutexLock lock(mu_);
    entries_.push_back(std::move(entry));
  }
  wake_.NotifyAll();
}

void TimerQueue::Run() {
  MutexLock lock(mu_);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::coroutine_handle<>> due;
    auto next = now + kStopPoll;
    for (size_t i = 0; i < entries_.size();) {
      Entry& e = entries_[i];
      if (stopping_ || e.at <= now || e.stop.stop_requested()) {
        due.push_back(e.handle);
        entries_[i] = std::move(entries_.back());
        entries_.pop_back();
      } else {
        next = std::min(next, e.at);
        ++i;
      }
    }
    if (!due.empty()) {
      lock.Unlock();
      for (auto h : due) h.resume();
      lock.Lock();
      continue;
    }
    if (stopping_) return;
    wake_.WaitUntil(lock, next);
  }
}

}  // namespace ferry
