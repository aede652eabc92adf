// ObjectExecutor: settles decisions, one object at a time and many at once. It
// proves the pairs that listings could not decide, copies with retries and
// proofs, records failures and reports every object. The listing run
// (RunSync), a fleet worker or an event watch feed it decisions; it knows
// nothing of where they come from.
//
// Each object is a coroutine driven by the completions of its requests on the
// HTTP loop; none holds a thread while it waits. Two knobs bound a run: bytes
// of buffers (--memory) and objects in flight (--transfers, with the AIMD limit
// under it); hashing and checkpoint writes run on a few hashing threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "core/async_semaphore.h"
#include "core/mutex.h"
#include "core/rate_limiter.h"
#include "core/task.h"
#include "core/thread_pool.h"
#include "core/timer_queue.h"
#include "engine/adaptive_limit.h"
#include "engine/content_prover.h"
#include "engine/progress.h"
#include "engine/run_observer.h"
#include "engine/sync_run.h"
#include "engine/transferer.h"

namespace ferry::engine {

// How one submitted object was settled.
enum class Settled {
  kCopied,     // copied (and proven, unless the outcome says unverified)
  kSame,       // proven identical: nothing to do
  kDiffers,    // check or dry run: differs, nothing changed
  kFailed,     // every attempt failed; the failure is recorded
  kCancelled,  // the run stopped first
};

struct ObjectOutcome {
  Settled result = Settled::kCancelled;
  std::string error;  // kFailed: the last error
};

class ObjectExecutor {
 public:
  // `checkpoints` may be null. `counters` and `observer` outlive the executor;
  // the observer is told of every object settled.
  ObjectExecutor(store::ObjectStore& source, store::ObjectStore& destination,
                 const RunOptions& options, state::CheckpointStore* checkpoints,
                 RunCounters& counters, RunObserver& observer, std::stop_token stop);
  // Drains what is in flight.
  ~ObjectExecutor();
  ObjectExecutor(const ObjectExecutor&) = delete;
  ObjectExecutor& operator=(const ObjectExecutor&) = delete;

  // Settles a kCopy or kCheck decision; blocks while `transfers` objects are in
  // flight. `done`, if given, runs once the object is settled (on the HTTP loop's
  // thread or a hashing thread: it must not block).
  void Submit(Decision decision, std::function<void(const ObjectOutcome&)> done = {});
  // Waits until every submitted object is settled.
  void Drain();

  // A key that differs (check, dry run): counted, reported and told to the
  // run's observer.
  void NoteDifference(const std::string& key, uint64_t size, const std::string& what,
                      bool is_delete);

  // The run's stop token: stopped by the caller's, or by a fatal error.
  std::stop_token stop() const { return stop_.get_token(); }
  // The first fatal error (authentication, a missing bucket): the run must end.
  Status fatal() const;
  // Aborts the uploads of objects that failed every attempt (at the end of a run).
  Status AbortLeftovers() { return transferer_.AbortLeftovers(stop()); }

  uint64_t matched() const { return counters_.matched; }
  void AddMatched() { ++counters_.matched; }
  uint64_t differences() const { return counters_.differences; }
  uint64_t parts_resumed() const { return parts_resumed_; }
  uint64_t unverified() const { return unverified_; }
  std::vector<FailedObject> TakeFailures();

 private:
  Task<ObjectOutcome> Settle(Decision decision);
  Task<ObjectOutcome> Copy(const Decision& decision);
  Task<ObjectOutcome> Check(Decision decision);
  // Runs `attempt` up to max_attempts times while its errors are worth another
  // try, waiting out a backoff between attempts; `attempts` says how many were made.
  Task<Status> WithRetries(std::function<Task<Status>()> attempt, int& attempts);
  ObjectOutcome Fail(const store::ObjectEntry& object, const std::string& reason, int attempts,
                     const Status& last);
  void Fatal(Status st);
  bool transfer() const { return options_.mode != RunMode::kCheck && !options_.dry_run; }

  const RunOptions& options_;
  state::CheckpointStore* checkpoints_;
  RunCounters& counters_;
  RunObserver& observer_;

  std::stop_source stop_;
  std::stop_callback<std::function<void()>> forward_stop_;
  mutable Mutex mu_;
  Status fatal_ GUARDED_BY(mu_);
  std::vector<FailedObject> failures_ GUARDED_BY(mu_);
  Mutex difference_mu_;  // one OnDifference call at a time
  std::atomic<uint64_t> parts_resumed_{0}, unverified_{0};

  AsyncSemaphore memory_;
  // Parts are large: a few streams saturate a link, many only thrash memory and
  // the servers (measured: 4 x 256 MiB moved in 7.8 s with 8 part streams, 12.7 s with 64).
  AsyncSemaphore part_slots_;
  ThreadPool hashing_;
  TimerQueue timers_;
  RateLimiter bandwidth_;
  Transferer transferer_;
  ContentProver prover_;
  AdaptiveLimit limit_;
  Mutex pending_mu_;
  CondVar settled_;
  int pending_ GUARDED_BY(pending_mu_) = 0;
};

}  // namespace ferry::engine
