#include "engine/object_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "core/backoff.h"
#include "store/store_errors.h"

namespace ferry::engine {
namespace {

// Worth another attempt of the whole object.
bool IsWorthRetrying(const Status& st) {
  return st.IsRetryable() || st.code() == Code::kDataLoss || store::IsMissingUpload(st);
}

}  // namespace

ObjectExecutor::ObjectExecutor(store::ObjectStore& source, store::ObjectStore& destination,
                               const RunOptions& options, state::CheckpointStore* checkpoints,
                               RunCounters& counters, RunObserver& observer, std::stop_token stop)
    : options_(options),
      checkpoints_(checkpoints),
      counters_(counters),
      observer_(observer),
      forward_stop_(stop, [this] { stop_.request_stop(); }),
      memory_(options.memory),
      part_slots_(static_cast<uint64_t>(std::clamp(std::max(1, options.transfers) / 8, 4, 16))),
      hashing_(std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4)),
      bandwidth_(options.bwlimit),
      transferer_(source, destination, options.transfer,
                  TransferResources{memory_, part_slots_, hashing_, timers_, bandwidth_},
                  checkpoints, counters.transfer),
      prover_(source, destination, hashing_),
      limit_(std::max(1, options.transfers), options.throttle) {}

ObjectExecutor::~ObjectExecutor() { Drain(); }

void ObjectExecutor::Submit(Decision decision, std::function<void(const ObjectOutcome&)> done) {
  if (transfer()) {
    ++counters_.to_copy;
    counters_.bytes_to_copy += decision.source.size;
  }
  limit_.Acquire();
  {
    MutexLock lock(pending_mu_);
    ++pending_;
  }
  Detach(Settle(std::move(decision)), [this, done = std::move(done)](ObjectOutcome outcome) {
    limit_.Release();
    if (done) done(outcome);
    MutexLock lock(pending_mu_);
    if (--pending_ == 0) settled_.NotifyAll();
  });
}

Task<ObjectOutcome> ObjectExecutor::Settle(Decision decision) {
  if (stop_.stop_requested()) co_return ObjectOutcome{Settled::kCancelled, ""};
  if (decision.action == Action::kCheck) co_return co_await Check(std::move(decision));
  if (transfer()) co_return co_await Copy(decision);
  NoteDifference(decision.source.key, decision.source.size, decision.reason, false);
  co_return ObjectOutcome{Settled::kDiffers, ""};
}

void ObjectExecutor::Drain() {
  MutexLock lock(pending_mu_);
  settled_.Wait(lock, [&]() REQUIRES(pending_mu_) { return pending_ == 0; });
}

void ObjectExecutor::NoteDifference(const std::string& key, uint64_t size, const std::string& what,
                                    bool is_delete) {
  ++counters_.differences;
  const char* action = options_.mode == RunMode::kCheck ? "differs"
                       : is_delete                       ? "would-delete"
                                                         : "would-copy";
  observer_.OnObject({action, key, size, what});
  MutexLock lock(difference_mu_);
  observer_.OnDifference({key, what, is_delete});
}

Status ObjectExecutor::fatal() const {
  MutexLock lock(mu_);
  return fatal_;
}

void ObjectExecutor::Fatal(Status st) {
  {
    MutexLock lock(mu_);
    if (fatal_.ok()) fatal_ = std::move(st);
  }
  stop_.request_stop();
}

std::vector<FailedObject> ObjectExecutor::TakeFailures() {
  MutexLock lock(mu_);
  return std::move(failures_);
}

Task<Status> ObjectExecutor::WithRetries(std::function<Task<Status>()> attempt, int& attempts) {
  Status last;
  std::stop_token stop = stop_.get_token();
  for (attempts = 1; attempts <= options_.max_attempts && !stop.stop_requested(); ++attempts) {
    last = co_await attempt();
    if (last.ok() || store::EndsTheRun(last) || !IsWorthRetrying(last)) break;
    if (attempts < options_.max_attempts) {
      co_await timers_.Sleep(FullJitterDelay({}, attempts), stop);
    }
  }
  attempts = std::min(attempts, options_.max_attempts);
  co_return last;
}

ObjectOutcome ObjectExecutor::Fail(const store::ObjectEntry& object, const std::string& reason,
                                   int attempts, const Status& last) {
  ++counters_.failed;
  FailedObject failure{object.key, attempts, last.ToString()};
  if (checkpoints_ != nullptr) {
    (void)checkpoints_->RecordFailure({failure.key, failure.attempts, failure.error});
  }
  observer_.OnFailure(failure);
  observer_.OnObject({"failed", object.key, object.size, reason, "", attempts, failure.error});
  {
    MutexLock lock(mu_);
    failures_.push_back(failure);
  }
  return {Settled::kFailed, std::move(failure.error)};
}

Task<ObjectOutcome> ObjectExecutor::Copy(const Decision& decision) {
  const store::ObjectEntry& object = decision.source;
  TransferOutcome outcome;
  int attempts = 0;
  Status last = co_await WithRetries(
      [&]() -> Task<Status> {
        auto copied = co_await transferer_.Copy(object, stop());
        if (!copied.ok()) {
          spdlog::info("'{}' attempt failed: {}", object.key, copied.error().ToString());
          co_return std::move(copied).take_error();
        }
        outcome = *copied;
        co_return Status::OK();
      },
      attempts);
  if (last.ok() && !stop_.stop_requested()) {
    ++counters_.copied;
    counters_.bytes_copied += object.size;
    parts_resumed_ += outcome.parts_resumed;
    if (!outcome.verified) ++unverified_;
    if (checkpoints_ != nullptr) (void)checkpoints_->ClearFailure(object.key);
    ObjectEvent event{"copied", object.key, object.size, decision.reason,
                      TransferMethodName(outcome.method), attempts};
    event.unverified = !outcome.verified;
    observer_.OnObject(event);
    co_return ObjectOutcome{Settled::kCopied, ""};
  }
  if (store::EndsTheRun(last)) {
    Fatal(last);
    co_return ObjectOutcome{Settled::kCancelled, last.ToString()};
  }
  if (stop_.stop_requested() && (last.ok() || last.code() == Code::kCancelled)) {
    co_return ObjectOutcome{Settled::kCancelled, ""};
  }
  co_return Fail(object, decision.reason, attempts, last);
}

Task<ObjectOutcome> ObjectExecutor::Check(Decision decision) {
  const bool read_bytes = options_.compare == CompareMode::kChecksum;
  Verdict verdict;
  int attempts = 0;
  Status last = co_await WithRetries(
      [&]() -> Task<Status> {
        auto proven =
            co_await prover_.Prove(decision.source, decision.destination, read_bytes, stop());
        if (!proven.ok()) co_return std::move(proven).take_error();
        verdict = std::move(*proven);
        co_return Status::OK();
      },
      attempts);
  if (stop_.stop_requested()) co_return ObjectOutcome{Settled::kCancelled, ""};
  if (store::EndsTheRun(last)) {
    Fatal(last);
    co_return ObjectOutcome{Settled::kCancelled, last.ToString()};
  }
  if (last.ok() && verdict.same) {
    if (transfer()) {
      --counters_.to_copy;
      counters_.bytes_to_copy -= decision.source.size;
    }
    ++counters_.matched;
    observer_.OnObject({"skipped", decision.source.key, decision.source.size, verdict.reason});
    co_return ObjectOutcome{Settled::kSame, ""};
  }
  if (!last.ok()) {
    // Unproven is not the same: a transfer copies it; a check cannot tell.
    if (!transfer()) co_return Fail(decision.source, "could not compare", attempts, last);
    decision.reason = "differs: could not compare";
  } else {
    decision.reason = verdict.reason;
  }
  if (!transfer()) {
    NoteDifference(decision.source.key, decision.source.size, decision.reason, false);
    co_return ObjectOutcome{Settled::kDiffers, ""};
  }
  co_return co_await Copy(decision);
}

}  // namespace ferry::engine
