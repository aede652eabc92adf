// Live counters of a run and the progress line printed from them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>

#include "core/mutex.h"
#include "engine/transferer.h"

namespace ferry::engine {

struct RunCounters {
  std::atomic<uint64_t> listed_source{0};
  std::atomic<uint64_t> to_copy{0};
  std::atomic<uint64_t> bytes_to_copy{0};
  std::atomic<uint64_t> copied{0};
  // The sizes of the objects copied: the summary's bytes. transfer.bytes_done
  // also counts parts of attempts that failed and parts resumed (progress).
  std::atomic<uint64_t> bytes_copied{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> matched{0};      // found identical
  std::atomic<uint64_t> differences{0};  // found differing (check, dry run)
  std::atomic<bool> listing_done{false};
  TransferCounters transfer;
};

enum class ProgressStyle {
  kOff,
  kTerminal,  // one line redrawn every second, as wide as the terminal
  kLines,     // a plain line every 10 s (a log, a pipe): no carriage returns
};

// What one progress line shows.
struct ProgressSample {
  uint64_t listed = 0;
  bool listing_done = false;
  uint64_t copied = 0, to_copy = 0;
  uint64_t bytes = 0, bytes_total = 0;  // bytes include those of objects in flight
  uint64_t failed = 0;
  double rate = 0;  // bytes/s over the last seconds
};

// The line for `s`, at most `width` columns (fields of least use dropped first).
std::string FormatProgress(const ProgressSample& s, size_t width);

// Bytes per second over a sliding window of samples, so a burst of small objects
// early on does not skew the ETA of a large one later.
class MovingRate {
 public:
  explicit MovingRate(std::chrono::milliseconds window = std::chrono::seconds(10))
      : window_(window) {}
  // Adds a sample and returns the rate over the window.
  double Add(std::chrono::steady_clock::time_point now, uint64_t bytes);

 private:
  std::chrono::milliseconds window_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, uint64_t>> samples_;
};

// Prints the progress of `counters` to stderr while alive, in `style`, and a
// final line when destroyed.
class ProgressPrinter {
 public:
  ProgressPrinter(const RunCounters& counters, ProgressStyle style);
  ~ProgressPrinter();

 private:
  void Print(bool final);

  const RunCounters& counters_;
  const ProgressStyle style_;
  MovingRate rate_;  // used by the printing thread only
  Mutex mu_;
  CondVar wake_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ferry::engine
