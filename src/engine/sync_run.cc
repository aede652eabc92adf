#include "engine/sync_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/backoff.h"
#include "core/thread_pool.h"
#include "engine/adaptive_limit.h"
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
  std::atomic<uint64_t> matched{0}, differences{0}, parts_resumed{0};

  const int workers = std::max(1, options.transfers);
  ByteBudget budget(options.memory);
  // Parts are large: a few streams saturate a link, many only thrash memory and the
  // servers (measured: 4 x 256 MiB moved in 7.8 s with 8 part streams, 12.7 s with 64).
  ThreadPool part_pool(std::clamp(workers / 8, 4, 16));
  RateLimiter bandwidth(options.bwlimit);
  Transferer transferer(source, destination, options.transfer, part_pool, budget, bandwidth,
                        checkpoints, counters.transfer);
  AdaptiveLimit limit(workers, options.throttle);
  DeleteSpool deletes;

  ListingOptions listing{.parallelism = options.list_parallelism};
  ListingCursor src_cursor(source, "", listing, stop);
  ListingCursor dst_cursor(destination, "", listing, stop);
  KeyFilter filter = options.filter;
  if (!destination.StoresFolderMarkers()) filter.SkipFolderMarkers();
  Differ differ(src_cursor, dst_cursor, options.compare, filter);

  {
    ProgressPrinter progress(counters, options.progress);
    ThreadPool object_pool(workers);

    auto copy_one = [&](Decision decision) {
      const store::ObjectEntry& object = decision.source;
      int attempt = 0;
      Status last;
      for (attempt = 1; attempt <= options.max_attempts && !stop.stop_requested(); ++attempt) {
        if (decision.action == Action::kCheck) {
          auto same = transferer.AlreadyCopied(decision, stop);
          if (same.ok() && *same) {
            ++matched;
            report.Write({"skipped", object.key, object.size, "recorded source etag matches"});
            limit.Release();
            return;
          }
          if (!same.ok() && same.error().code() != Code::kNotFound) {
            last = std::move(same).take_error();
            if (IsFatal(last)) break;
            run.Backoff(FullJitterDelay({}, attempt));
            continue;
          }
        }
        auto outcome = transferer.Copy(object, stop);
        if (outcome.ok()) {
          ++counters.copied;
          parts_resumed += outcome->parts_resumed;
          if (checkpoints != nullptr) (void)checkpoints->ClearFailure(object.key);
          report.Write({"copied", object.key, object.size, decision.reason,
                        TransferMethodName(outcome->method), attempt});
          limit.Release();
          return;
        }
        last = std::move(outcome).take_error();
        spdlog::info("'{}' attempt {}/{} failed: {}", object.key, attempt, options.max_attempts,
                     last.ToString());
        if (IsFatal(last) || !IsWorthRetrying(last)) break;
        if (attempt < options.max_attempts) run.Backoff(FullJitterDelay({}, attempt));
      }
      limit.Release();
      if (stop.stop_requested() && last.ok()) return;  // cancelled before trying
      if (IsFatal(last)) {
        run.Fatal(last);
        return;
      }
      if (last.code() == Code::kCancelled && stop.stop_requested()) return;
      const int attempts = std::min(attempt, options.max_attempts);
      ++counters.failed;
      run.AddFailure({object.key, attempts, last.ToString()});
      if (checkpoints != nullptr) {
        (void)checkpoints->RecordFailure({object.key, attempts, last.ToString()});
      }
      report.Write({"failed", object.key, object.size, decision.reason, "", attempts,
                    last.ToString()});
    };

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
            FERRY_RETURN_IF_ERROR(deletes.Add(key_entry.key));
          } else if (options.mode == RunMode::kCheck) {
            ++differences;
            report.Write({"differs", key_entry.key, key_entry.size, decision->reason});
          }
          break;
        case Action::kCopy:
        case Action::kCheck:
          ++counters.to_copy;
          counters.bytes_to_copy += key_entry.size;
          if (!transfer) {
            if (decision->action == Action::kCheck) {
              auto same = transferer.AlreadyCopied(*decision, stop);
              if (same.ok() && *same) {
                --counters.to_copy;
                counters.bytes_to_copy -= key_entry.size;
                ++matched;
                report.Write({"skipped", key_entry.key, key_entry.size,
                              "recorded source etag matches"});
                break;
              }
            }
            ++differences;
            report.Write({options.mode == RunMode::kCheck ? "differs" : "would-copy",
                          key_entry.key, key_entry.size, decision->reason});
            break;
          }
          limit.Acquire();
          object_pool.Submit([&, d = std::move(*decision)]() mutable { copy_one(std::move(d)); });
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

  // Deletes only after both listings completed without error.
  const uint64_t to_delete = deletes.size();
  if (to_delete > 0) {
    const uint64_t listed = src_cursor.listed();
    if (listed == 0 && !options.allow_empty_source) {
      return Status(Code::kFailedPrecondition,
                    "refusing to delete " + std::to_string(to_delete) + " objects from " +
                        destination.Describe() + ": the source " + source.Describe() +
                        " listed no objects",
                    "the source location; pass --allow-empty-source if emptying the "
                    "destination is intended");
    }
    const double percent = 100.0 * to_delete / std::max<uint64_t>(1, dst_cursor.listed());
    if ((options.max_delete_count && to_delete > *options.max_delete_count) ||
        (options.max_delete_percent && percent > *options.max_delete_percent)) {
      return Status(Code::kFailedPrecondition,
                    "refusing to delete " + std::to_string(to_delete) + " objects (" +
                        std::to_string(static_cast<int>(percent)) + "% of the destination): "
                        "over the --max-delete limit",
                    "the source and destination locations, or raise --max-delete");
    }
    FERRY_RETURN_IF_ERROR(deletes.ForEachBatch(1000, [&](const std::vector<std::string>& keys) {
      if (options.dry_run) {
        for (const auto& k : keys) report.Write({"would-delete", k, 0, "only in destination"});
        differences += keys.size();
        return Status::OK();
      }
      FERRY_RETURN_IF_ERROR(destination.Delete(keys, stop));
      for (const auto& k : keys) report.Write({"deleted", k, 0, "only in destination"});
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
  summary.failures = run.TakeFailures();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace ferry::engine
