// A run in progress: its stop switch and the counters the engine updates, read
// by the API for live progress.
#pragma once

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "engine/progress.h"
#include "service/task.h"

namespace ferry::service {

struct LiveRun {
  std::string task_id;
  std::string run_id;  // set when the run starts (empty while queued)
  std::stop_source stop;
  std::atomic<bool> stopped_by_user{false};  // else a stop means the server is shutting down
  engine::RunCounters counters;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  void AddFailure(FailedObjectRecord failure) {
    MutexLock lock(mu_);
    if (failures_.size() < kMaxFailuresKept) failures_.push_back(std::move(failure));
  }

  // The counters now; failures as recorded so far.
  RunProgress Snapshot() {
    RunProgress p;
    p.objects_total = counters.to_copy;
    p.objects_done = counters.copied;
    p.bytes_total = counters.bytes_to_copy;
    p.bytes_done = counters.transfer.bytes_done;
    p.listed = counters.listed_source;
    p.failed = counters.failed;
    p.matched = counters.matched;
    p.differences = counters.differences;
    p.listing_done = counters.listing_done;
    p.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MutexLock lock(mu_);
    p.failures = failures_;
    return p;
  }

  static constexpr size_t kMaxFailuresKept = 1000;

 private:
  Mutex mu_;
  std::vector<FailedObjectRecord> failures_ GUARDED_BY(mu_);
};

}  // namespace ferry::service
