#include "engine/sync_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "engine/delete_guard.h"
#include "engine/delete_spool.h"
#include "engine/listing_cursor.h"
#include "engine/object_executor.h"
#include "engine/progress.h"

namespace ferry::engine {

Result<RunSummary> RunSync(store::ObjectStore& source, store::ObjectStore& destination,
                           const RunOptions& options, state::CheckpointStore* checkpoints,
                           std::stop_token outer_stop) {
  const auto started = std::chrono::steady_clock::now();

  // A missing bucket or refused key is found before any work starts.
  const bool transfer = options.mode != RunMode::kCheck && !options.dry_run;
  // Each error names its side: S3 errors do already, a folder's do not.
  auto sided = [](Status st, Side side) {
    if (!st.ok() && st.side() == Side::kNone) st.WithSide(side);
    return st;
  };
  FERRY_RETURN_IF_ERROR(sided(source.Probe(outer_stop), Side::kSource));
  FERRY_RETURN_IF_ERROR(sided(transfer ? destination.PrepareDestination(outer_stop)
                                       : destination.ProbeDestination(outer_stop),
                              Side::kDestination));

  RunCounters own_counters;
  RunCounters& counters = options.counters != nullptr ? *options.counters : own_counters;
  RunSummary summary;
  RunObserver& observer = options.observer != nullptr ? *options.observer : NoObserver();
  ObjectExecutor executor(source, destination, options, checkpoints, counters, observer,
                          outer_stop);
  std::stop_token stop = executor.stop();
  DeleteSpool deletes;

  ListingOptions listing{.parallelism = options.list_parallelism};
  ListingCursor src_cursor(source, "", listing, stop);
  ListingCursor dst_cursor(destination, "", listing, stop);
  KeyFilter filter = options.filter;
  if (!destination.StoresFolderMarkers()) filter.SkipFolderMarkers();
  Differ differ(src_cursor, dst_cursor, options.compare, filter);

  observer.OnStart(counters);
  {
    while (!stop.stop_requested()) {
      std::optional<Decision> decision = differ.Next();
      counters.listed_source = src_cursor.listed();
      if (!decision) break;
      const store::ObjectEntry& key_entry =
          decision->source.key.empty() ? decision->destination : decision->source;
      switch (decision->action) {
        case Action::kSkip:
          executor.AddMatched();
          observer.OnObject({"skipped", key_entry.key, key_entry.size, decision->reason});
          break;
        case Action::kDelete:
          if (options.mode == RunMode::kSync && options.delete_extra) {
            FERRY_RETURN_IF_ERROR(deletes.Add(key_entry.key, key_entry.size));
          } else if (options.mode == RunMode::kCheck) {
            executor.NoteDifference(key_entry.key, key_entry.size, decision->reason, true);
          }
          break;
        case Action::kCopy:
          if (!transfer) {
            executor.NoteDifference(key_entry.key, key_entry.size, decision->reason, false);
            break;
          }
          [[fallthrough]];
        case Action::kCheck:
          executor.Submit(std::move(*decision));
          break;
      }
    }
    counters.listing_done = true;
    executor.Drain();
  }
  observer.OnEnd();

  Status listing_status = src_cursor.status();
  if (listing_status.ok()) listing_status = dst_cursor.status();
  if (Status fatal = executor.fatal(); !fatal.ok()) return fatal;
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
          observer.OnObject({"delete-refused", d.key, d.size, summary.delete_refusal.message()});
        }
        return Status::OK();
      }
      if (options.dry_run) {
        for (const auto& d : batch) {
          executor.NoteDifference(d.key, d.size, "only in destination", true);
        }
        return Status::OK();
      }
      std::vector<std::string> keys;
      keys.reserve(batch.size());
      for (const auto& d : batch) keys.push_back(d.key);
      FERRY_RETURN_IF_ERROR(destination.Delete(keys, stop));
      for (const auto& d : batch) observer.OnObject({"deleted", d.key, d.size, "only in destination"});
      summary.deleted += keys.size();
      return Status::OK();
    }));
  }

  // Uploads of objects that failed every attempt will not resume: abort them.
  if (transfer) FERRY_RETURN_IF_ERROR(executor.AbortLeftovers());

  summary.listed_source = src_cursor.listed();
  summary.listed_destination = dst_cursor.listed();
  summary.matched = executor.matched();
  summary.copied = counters.copied;
  summary.bytes = counters.bytes_copied;
  summary.differences = executor.differences();
  summary.failed = counters.failed;
  summary.parts_resumed = executor.parts_resumed();
  summary.unverified = executor.unverified();
  summary.failures = executor.TakeFailures();
  summary.source_requests = source.RequestCounts();
  summary.destination_requests = destination.RequestCounts();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace ferry::engine
