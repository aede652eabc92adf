// What the transfers of one run share: the bounds on memory and parts in
// flight, and the threads that work is moved to off the HTTP loop.
#pragma once

#include <cstdint>

#include "core/async_semaphore.h"
#include "core/rate_limiter.h"
#include "core/thread_pool.h"
#include "core/timer_queue.h"

namespace ferry::engine {

struct TransferResources {
  AsyncSemaphore& memory;      // bytes of transfer buffers (--memory)
  AsyncSemaphore& part_slots;  // parts of multipart copies in flight
  ThreadPool& hashing;         // MD5 and checkpoint writes, never on the HTTP loop
  TimerQueue& timers;          // backoff and the --bwlimit pace
  RateLimiter& bandwidth;      // --bwlimit, on the bytes ferry uploads
};

// Holds `bytes` of an AsyncSemaphore from when it was acquired until destroyed.
class SemaphoreLease {
 public:
  SemaphoreLease(AsyncSemaphore& semaphore, uint64_t units) : semaphore_(&semaphore), units_(units) {}
  ~SemaphoreLease() {
    if (semaphore_ != nullptr) semaphore_->Release(units_);
  }
  SemaphoreLease(SemaphoreLease&& o) noexcept
      : semaphore_(std::exchange(o.semaphore_, nullptr)), units_(o.units_) {}
  SemaphoreLease(const SemaphoreLease&) = delete;
  SemaphoreLease& operator=(const SemaphoreLease&) = delete;

 private:
  AsyncSemaphore* semaphore_;
  uint64_t units_;
};

}  // namespace ferry::engine
