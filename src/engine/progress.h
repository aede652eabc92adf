// Live counters of a run and the line `--progress` prints from them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "engine/transferer.h"

namespace ferry::engine {

struct RunCounters {
  std::atomic<uint64_t> listed_source{0};
  std::atomic<uint64_t> to_copy{0};
  std::atomic<uint64_t> bytes_to_copy{0};
  std::atomic<uint64_t> copied{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<bool> listing_done{false};
  TransferCounters transfer;
};

// Prints "objects done/total, bytes, throughput, ETA" to stderr once a second
// while alive, and a final line when destroyed.
class ProgressPrinter {
 public:
  ProgressPrinter(const RunCounters& counters, bool enabled);
  ~ProgressPrinter();

 private:
  void Print(bool final);

  const RunCounters& counters_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::engine
