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
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void TimerQueue::Add(Entry entry) {
  {
    std::lock_guard lock(mu_);
    entries_.push_back(std::move(entry));
  }
  wake_.notify_all();
}

void TimerQueue::Run() {
  std::unique_lock lock(mu_);
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
      lock.unlock();
      for (auto h : due) h.resume();
      lock.lock();
      continue;
    }
    if (stopping_) return;
    wake_.wait_until(lock, next);
  }
}

}  // namespace ferry
