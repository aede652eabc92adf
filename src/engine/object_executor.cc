#include "engine/object_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>

#include "core/backoff.h"

namespace ferry::engine {
namespace {

// Errors that no other object would escape either: stop the run.
bool IsFatal(const Status& st) {
  return st.code() == Code::kUnauthenticated || st.service_code() == "NoSuchBucket";
}

// Worth another attempt of the whole object.
bool IsWorthRetrying(const Status& st) {
  return st.IsRetryable() || st.code() == Code::kDataLoss ||
         (st.code() == Code::kNotFound && st.service_code() == "NoSuchUpload");
}

}  // namespace

ObjectExecutor::ObjectExecutor(store::ObjectStore& source, store::ObjectStore& destination,
                               const RunOptions& options, state::CheckpointStore* checkpoints,
                               RunCounters& counters, ReportWriter& report, std::stop_token stop)
    : source_(source),
      destination_(destination),
      options_(options),
      checkpoints_(checkpoints),
      counters_(counters),
      report_(report),
      forward_stop_(stop, [this] { stop_.request_stop(); }),
      budget_(options.memory),
      part_pool_(std::clamp(std::max(1, options.transfers) / 8, 4, 16)),
      bandwidth_(options.bwlimit),
      transferer_(source, destination, options.transfer, part_pool_, budget_, bandwidth_,
                  checkpoints, counters.transfer),
      prover_(source, destination),
      limit_(std::max(1, options.transfers), options.throttle),
      object_pool_(std::max(1, options.transfers)) {}

ObjectExecutor::~ObjectExecutor() { Drain(); }

void ObjectExecutor::Submit(Decision decision, std::function<void(const ObjectOutcome&)> done) {
  if (transfer()) {
    ++counters_.to_copy;
    counters_.bytes_to_copy += decision.source.size;
  }
  limit_.Acquire();
  {
    std::lock_guard lock(pending_mu_);
    ++pending_;
  }
  object_pool_.Submit([this, d = std::move(decision), done = std::move(done)]() mutable {
    ObjectOutcome outcome;
    if (stop_.stop_requested()) {
      outcome = {Settled::kCancelled, ""};
    } else if (d.action == Action::kCheck) {
      outcome = Check(std::move(d));
    } else if (transfer()) {
      outcome = Copy(d);
    } else {
      NoteDifference(d.source.key, d.source.size, d.reason, false);
      outcome = {Settled::kDiffers, ""};
    }
    limit_.Release();
    if (done) done(outcome);
    std::lock_guard lock(pending_mu_);
    if (--pending_ == 0) settled_.notify_all();
  });
}

void ObjectExecutor::Drain() {
  std::unique_lock lock(pending_mu_);
  settled_.wait(lock, [&] { return pending_ == 0; });
}

void ObjectExecutor::NoteDifference(const std::string& key, uint64_t size, const std::string& what,
                                    bool is_delete) {
  ++differences_;
  const char* action = options_.mode == RunMode::kCheck ? "differs"
                       : is_delete                       ? "would-delete"
                                                         : "would-copy";
  report_.Write({action, key, size, what});
  if (options_.on_difference) {
    std::lock_guard lock(difference_mu_);
    options_.on_difference({key, what, is_delete});
  }
}

Status ObjectExecutor::fatal() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

void ObjectExecutor::Fatal(Status st) {
  {
    std::lock_guard lock(mu_);
    if (fatal_.ok()) fatal_ = std::move(st);
  }
  stop_.request_stop();
}

std::vector<FailedObject> ObjectExecutor::TakeFailures() {
  std::lock_guard lock(mu_);
  return std::move(failures_);
}

Status ObjectExecutor::WithRetries(const std::function<Status()>& attempt, int& attempts) {
  Status last;
  std::stop_token stop = stop_.get_token();
  for (attempts = 1; attempts <= options_.max_attempts && !stop.stop_requested(); ++attempts) {
    last = attempt();
    if (last.ok() || IsFatal(last) || !IsWorthRetrying(last)) break;
    if (attempts < options_.max_attempts) {
      // Waits out the backoff unless the run is stopped first.
      std::mutex mu;
      std::unique_lock lock(mu);
      std::condition_variable_any cv;
      cv.wait_for(lock, stop, FullJitterDelay({}, attempts), [] { return false; });
    }
  }
  attempts = std::min(attempts, options_.max_attempts);
  return last;
}

ObjectOutcome ObjectExecutor::Fail(const store::ObjectEntry& object, const std::string& reason,
                                   int attempts, const Status& last) {
  ++counters_.failed;
  {
    std::lock_guard lock(mu_);
    failures_.push_back({object.key, attempts, last.ToString()});
  }
  if (checkpoints_ != nullptr) {
    (void)checkpoints_->RecordFailure({object.key, attempts, last.ToString()});
  }
  report_.Write({"failed", object.key, object.size, reason, "", attempts, last.ToString()});
  return {Settled::kFailed, last.ToString()};
}

ObjectOutcome ObjectExecutor::Copy(const Decision& decision) {
  const store::ObjectEntry& object = decision.source;
  TransferOutcome outcome;
  int attempts = 0;
  Status last = WithRetries(
      [&] {
        auto copied = transferer_.Copy(object, stop());
        if (!copied.ok()) {
          spdlog::info("'{}' attempt failed: {}", object.key, copied.error().ToString());
          return std::move(copied).take_error();
        }
        outcome = *copied;
        return Status::OK();
      },
      attempts);
  if (last.ok() && !stop_.stop_requested()) {
    ++counters_.copied;
    parts_resumed_ += outcome.parts_resumed;
    if (!outcome.verified) ++unverified_;
    if (checkpoints_ != nullptr) (void)checkpoints_->ClearFailure(object.key);
    ReportLine line{"copied", object.key, object.size, decision.reason,
                    TransferMethodName(outcome.method), attempts};
    line.unverified = !outcome.verified;
    report_.Write(line);
    return {Settled::kCopied, ""};
  }
  if (IsFatal(last)) {
    Fatal(last);
    return {Settled::kCancelled, last.ToString()};
  }
  if (stop_.stop_requested() && (last.ok() || last.code() == Code::kCancelled)) {
    return {Settled::kCancelled, ""};
  }
  return Fail(object, decision.reason, attempts, last);
}

ObjectOutcome ObjectExecutor::Check(Decision decision) {
  const bool read_bytes = options_.compare == CompareMode::kChecksum;
  Verdict verdict;
  int attempts = 0;
  Status last = WithRetries(
      [&] {
        auto proven = prover_.Prove(decision.source, decision.destination, read_bytes, stop());
        if (!proven.ok()) return std::move(proven).take_error();
        verdict = std::move(*proven);
        return Status::OK();
      },
      attempts);
  if (stop_.stop_requested()) return {Settled::kCancelled, ""};
  if (IsFatal(last)) {
    Fatal(last);
    return {Settled::kCancelled, last.ToString()};
  }
  if (last.ok() && verdict.same) {
    if (transfer()) {
      --counters_.to_copy;
      counters_.bytes_to_copy -= decision.source.size;
    }
    ++matched_;
    report_.Write({"skipped", decision.source.key, decision.source.size, verdict.reason});
    return {Settled::kSame, ""};
  }
  if (!last.ok()) {
    // Unproven is not the same: a transfer copies it; a check cannot tell.
    if (!transfer()) return Fail(decision.source, "could not compare", attempts, last);
    decision.reason = "differs: could not compare";
  } else {
    decision.reason = verdict.reason;
  }
  if (!transfer()) {
    NoteDifference(decision.source.key, decision.source.size, decision.reason, false);
    return {Settled::kDiffers, ""};
  }
  return Copy(decision);
}

}  // namespace ferry::engine
