#include "cli/interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

namespace ferry::cli {
namespace {

sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // the watcher's own "run is over"
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

InterruptWatcher::InterruptWatcher(std::stop_source& stop) {
  thread_ = std::thread([&stop] {
    sigset_t set = WatchedSignals();
    int signals_seen = 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) return;
      if (sig == SIGUSR1) return;
      if (++signals_seen > 1) _exit(130);
      std::fprintf(stderr, "\nferry: stopping (checkpoints are kept; press Ctrl-C again to "
                           "quit at once)\n");
      stop.request_stop();
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

}  // namespace ferry::cli
