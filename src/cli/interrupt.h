// Ctrl-C and SIGTERM as a stop request: the first one stops the run cleanly
// (transfers end, checkpoints stay, uploads resume next time); a second one
// exits at once. Signals are taken by sigwait on a thread of their own, so no
// work happens in a signal handler.
#pragma once

#include <stop_token>
#include <thread>

namespace ferry::cli {

// Blocks SIGINT/SIGTERM in the calling thread and every thread it starts later.
// REQUIRES: called at the start of main, before any thread exists.
void BlockStopSignals();

class InterruptWatcher {
 public:
  explicit InterruptWatcher(std::stop_source& stop);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  std::thread thread_;
};

}  // namespace ferry::cli
