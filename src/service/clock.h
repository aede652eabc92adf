// The time the scheduler runs on: the system clock, or in tests one they set by
// hand, so that a schedule's fire is tested without waiting for it.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/mutex.h"
#include "service/database.h"

namespace ferry::service {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the epoch, UTC.
  virtual int64_t NowSeconds() = 0;
  // Waits on `cv` until it is notified or `seconds` of this clock have passed;
  // may return early (callers re-check what they wait for).
  // REQUIRES: `lock` holds the mutex that `cv` is used with.
  virtual void WaitFor(CondVar& cv, MutexLock& lock, int64_t seconds) = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() override { return service::NowSeconds(); }
  void WaitFor(CondVar& cv, MutexLock& lock, int64_t seconds) override {
    cv.WaitFor(lock, std::chrono::seconds(seconds));
  }
};

}  // namespace ferry::service
