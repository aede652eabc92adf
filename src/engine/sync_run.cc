#include "engine/sync_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/backoff.h"
#include "core/thread_pool.h"
#include "engine/adaptive_limit.h"
#include "engine/content_prover.h"
#include "engine/delete_spool.h"
#include "engine/listing_cursor.h"
#include "engine/progress.h"
#include "engine/report_writer.h"

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

// State shared by the dispatcher and the object workers of one run.
class RunState {
 public:
  explicit RunState(std::stop_token outer)
      : forward_(outer, [this] { stop_.request_stop(); }) {}

  std::stop_token stop() const { return stop_.get_token(); }

  void Fatal(Status st) {
    {
      std::lock_guard lock(mu_);
      if (fatal_.ok()) fatal_ = std::move(st);
    }
    stop_.request_stop();
  }
  Status fatal() {
    std::lock_guard lock(mu_);
    return fatal_;
  }

  void AddFailure(FailedObject failure) {
    std::lock_guard lock(mu_);
    failures_.push_back(std::move(failure));
  }
  std::vector<FailedObject> TakeFailures() {
    std::lock_guard lock(mu_);
    return std::move(failures_);
  }

  // Waits `delay` unless the run is stopped first.
  void Backoff(std::chrono::milliseconds delay) {
    std::unique_lock lock(mu_);
    std::condition_variable_any cv;
    cv.wait_for(lock, stop_.get_token(), delay, [] { return false; });
  }

 private:
  std::stop_source stop_;
  std::stop_callback<std::function<void()>> forward_;
  std::mutex mu_;
  Status fatal_;                       // guarded by mu_
  std::vector<FailedObject> failures_;  // guarded by mu_
};

// Why deleting `to_delete` objects would be unsafe; OK when it is not.
Status DeleteRefusal(uint64_t to_delete, uint64_t listed_source, uint64_t listed_destination,
                     const RunOptions& options, const store::ObjectStore& source,
                     const store::ObjectStore& destination) {
  if (listed_source == 0 && !options.allow_empty_source) {
    return Status(Code::kFailedPrecondition,
                  "refusing to delete " + std::to_string(to_delete) + " objects from " +
                      destination.Describe() + ": the source " + source.Describe() +
                      " listed no objects",
                  "the source location; pass --allow-empty-source if emptying the "
                  "destination is intended");
  }
  const double percent = 100.0 * to_delete / std::max<uint64_t>(1, listed_destination);
  if ((options.max_delete_count && to_delete > *options.max_delete_count) ||
      (options.max_delete_percent && percent > *options.max_delete_percent)) {
    return Status(Code::kFailedPrecondition,
                  "refusing to delete " + std::to_string(to_delete) + " objects (" +
                      std::to_string(static_cast<int>(percent)) + "% of the destination): "
                      "over the --max-delete limit",
                  "the source and destination locations, or raise --max-delete");
  }
  return Status::OK();
}

}  // namespace

Result<RunSummary> RunSync(store::ObjectStore& source, store::ObjectStore& destination,
                           const RunOptions& options, state::CheckpointStore* checkpoints,
                           std::stop_token outer_stop) {
  const auto started = std::chrono::steady_clock::now();
  RunState run(outer_stop);
  std::stop_token stop = run.stop();

  // A missing bucket or refused key is found before any work starts.
  const bool transfer = options.mode != RunMode::kCheck && !options.dry_run;
  FERRY_RETURN_IF_ERROR(source.Probe(stop));
  FERRY_RETURN_IF_ERROR(transfer ? destination.PrepareDestination(stop) : destination.Probe(stop));

  auto report_or = ReportWriter::Open(options.report_path);
  if (!report_or.ok()) return std::move(report_or).take_error();
  ReportWriter& report = **report_or;

  RunCounters own_counters;
  RunCounters& counters = options.counters != nullptr ? *options.counters : own_counters;
  RunSummary summary;
  std::atomic<uint64_t> matched{0}, differences{0}, parts_resumed{0}, unverified{0};

  const int workers = std::max(1, options.transfers);
  ByteBudget budget(options.memory);
  // Parts are large: a few streams saturate a link, many only thrash memory and the
  // servers (measured: 4 x 256 MiB moved in 7.8 s with 8 part streams, 12.7 s with 64).
  ThreadPool part_pool(std::clamp(workers / 8, 4, 16));
  RateLimiter bandwidth(options.bwlimit);
  Transferer transferer(source, destination, options.transfer, part_pool, budget, bandwidth,
                        checkpoints, counters.transfer);
  ContentProver prover(source, destination);
  AdaptiveLimit limit(workers, options.throttle);
  DeleteSpool deletes;

  ListingOptions listing{.parallelism = options.list_parallelism};
  ListingCursor src_cursor(source, "", listing, stop);
  ListingCursor dst_cursor(destination, "", listing, stop);
  KeyFilter filter = options.filter;
  if (!destination.StoresFolderMarkers()) filter.SkipFolderMarkers();
  Differ differ(src_cursor, dst_cursor, options.compare, filter);

  std::mutex difference_mu;
  // A key that differs, in check and --dry-run: counted, reported, told.
  auto note_difference = [&](const std::string& key, uint64_t size, const std::string& what,
                             bool is_delete) {
    ++differences;
    const char* action = options.mode == RunMode::kCheck ? "differs"
                         : is_delete                      ? "would-delete"
                                                          : "would-copy";
    report.Write({action, key, size, what});
    if (options.on_difference) {
      std::lock_guard lock(difference_mu);
      options.on_difference({key, what, is_delete});
    }
  };

  auto fail_object = [&](const store::ObjectEntry& object, const std::string& reason,
                         int attempts, const Status& last) {
    ++counters.failed;
    run.AddFailure({object.key, attempts, last.ToString()});
    if (checkpoints != nullptr) {
      (void)checkpoints->RecordFailure({object.key, attempts, last.ToString()});
    }
    report.Write({"failed", object.key, object.size, reason, "", attempts, last.ToString()});
  };

  // Runs `attempt` up to max_attempts times while its errors are worth another
  // try. Returns the last status; `attempts` is how many were made.
  auto with_retries = [&](const std::function<Status()>& attempt, int& attempts) {
    Status last;
    for (attempts = 1; attempts <= options.max_attempts && !stop.stop_requested(); ++attempts) {
      last = attempt();
      if (last.ok() || IsFatal(last) || !IsWorthRetrying(last)) break;
      if (attempts < options.max_attempts) run.Backoff(FullJitterDelay({}, attempts));
    }
    attempts = std::min(attempts, options.max_attempts);
    return last;
  };

  auto copy_one = [&](const Decision& decision) {
    const store::ObjectEntry& object = decision.source;
    TransferOutcome outcome;
    int attempts = 0;
    Status last = with_retries(
        [&] {
          auto copied = transferer.Copy(object, stop);
          if (!copied.ok()) {
            spdlog::info("'{}' attempt failed: {}", object.key, copied.error().ToString());
            return std::move(copied).take_error();
          }
          outcome = *copied;
          return Status::OK();
        },
        attempts);
    if (last.ok() && !stop.stop_requested()) {
      ++counters.copied;
      parts_resumed += outcome.parts_resumed;
      if (!outcome.verified) ++unverified;
      if (checkpoints != nullptr) (void)checkpoints->ClearFailure(object.key);
      ReportLine line{"copied", object.key, object.size, decision.reason,
                      TransferMethodName(outcome.method), attempts};
      line.unverified = !outcome.verified;
      report.Write(line);
      return;
    }
    if (IsFatal(last)) return run.Fatal(last);
    if (stop.stop_requested() && (last.ok() || last.code() == Code::kCancelled)) return;
    fail_object(object, decision.reason, attempts, last);
  };

  // A pair the listings could not decide: proven the same, or differing (then
  // copied when this run transfers).
  auto check_one = [&](Decision decision) {
    const bool read_bytes = options.compare == CompareMode::kChecksum;
    Verdict verdict;
    int attempts = 0;
    Status last = with_retries(
        [&] {
          auto proven = prover.Prove(decision.source, decision.destination, read_bytes, stop);
          if (!proven.ok()) return std::move(proven).take_error();
          verdict = std::move(*proven);
          return Status::OK();
        },
        attempts);
    if (stop.stop_requested()) return;
    if (IsFatal(last)) return run.Fatal(last);
    if (last.ok() && verdict.same) {
      if (transfer) {
        --counters.to_copy;
        counters.bytes_to_copy -= decision.source.size;
      }
      ++matched;
      report.Write({"skipped", decision.source.key, decision.source.size, verdict.reason});
      return;
    }
    if (!last.ok()) {
      // Unproven is not the same: a transfer copies it; a check cannot tell.
      if (!transfer) return fail_object(decision.source, "could not compare", attempts, last);
      decision.reason = "differs: could not compare";
    } else {
      decision.reason = verdict.reason;
    }
    if (!transfer) {
      return note_difference(decision.source.key, decision.source.size, decision.reason, false);
    }
    copy_one(decision);
  };

  {
    ProgressPrinter progress(counters, options.progress);
    ThreadPool object_pool(workers);

    while (!stop.stop_requested()) {
      std::optional<Decision> decision = differ.Next();
      counters.listed_source = src_cursor.listed();
      if (!decision) break;
      const store::ObjectEntry& key_entry =
          decision->source.key.empty() ? decision->destination : decision->source;
      switch (decision->action) {
        case Action::kSkip:
          ++matched;
          report.Write({"skipped", key_entry.key, key_entry.size, decision->reason});
          break;
        case Action::kDelete:
          if (options.mode == RunMode::kSync && options.delete_extra) {
            FERRY_RETURN_IF_ERROR(deletes.Add(key_entry.key, key_entry.size));
          } else if (options.mode == RunMode::kCheck) {
            note_difference(key_entry.key, key_entry.size, decision->reason, true);
          }
          break;
        case Action::kCopy:
          if (!transfer) {
            note_difference(key_entry.key, key_entry.size, decision->reason, false);
            break;
          }
          [[fallthrough]];
        case Action::kCheck:
          if (transfer) {
            ++counters.to_copy;
            counters.bytes_to_copy += key_entry.size;
          }
          limit.Acquire();
          object_pool.Submit([&, d = std::move(*decision)]() mutable {
            if (d.action == Action::kCheck) {
              check_one(std::move(d));
            } else {
              copy_one(d);
            }
            limit.Release();
          });
          break;
      }
    }
    counters.listing_done = true;
    // The pools drain here (object pool first), so every transfer has ended.
  }

  Status listing_status = src_cursor.status();
  if (listing_status.ok()) listing_status = dst_cursor.status();
  if (Status fatal = run.fatal(); !fatal.ok()) return fatal;
  if (outer_stop.stop_requested()) {
    return Status::Cancelled("stopped; rerun the same command to resume");
  }
  if (!listing_status.ok()) return listing_status;

  // Deletes only after both listings completed without error, and only when safe.
  if (const uint64_t to_delete = deletes.size(); to_delete > 0) {
    summary.delete_refusal = DeleteRefusal(to_delete, src_cursor.listed(), dst_cursor.listed(),
                                           options, source, destination);
    const bool refused = !summary.delete_refusal.ok();
    if (refused) summary.deletes_refused = to_delete;
    FERRY_RETURN_IF_ERROR(deletes.ForEachBatch(1000, [&](const std::vector<SpooledDelete>& batch) {
      if (refused) {
        for (const auto& d : batch) {
          report.Write({"delete-refused", d.key, d.size, summary.delete_refusal.message()});
        }
        return Status::OK();
      }
      if (options.dry_run) {
        for (const auto& d : batch) note_difference(d.key, d.size, "only in destination", true);
        return Status::OK();
      }
      std::vector<std::string> keys;
      keys.reserve(batch.size());
      for (const auto& d : batch) keys.push_back(d.key);
      FERRY_RETURN_IF_ERROR(destination.Delete(keys, stop));
      for (const auto& d : batch) report.Write({"deleted", d.key, d.size, "only in destination"});
      summary.deleted += keys.size();
      return Status::OK();
    }));
  }

  // Uploads of objects that failed every attempt will not resume: abort them.
  if (transfer) FERRY_RETURN_IF_ERROR(transferer.AbortLeftovers(stop));

  summary.listed_source = src_cursor.listed();
  summary.listed_destination = dst_cursor.listed();
  summary.matched = matched;
  summary.copied = counters.copied;
  summary.bytes = counters.transfer.bytes_done;
  summary.differences = differences;
  summary.failed = counters.failed;
  summary.parts_resumed = parts_resumed;
  summary.unverified = unverified;
  summary.failures = run.TakeFailures();
  summary.source_requests = source.RequestCounts();
  summary.destination_requests = destination.RequestCounts();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace ferry::engine
