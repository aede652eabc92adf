#include "events/event_watch.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/backoff.h"
#include "core/mutex.h"
#include "core/thread_pool.h"
#include "engine/delete_spool.h"
#include "engine/differ.h"
#include "engine/listing_cursor.h"
#include "engine/object_executor.h"
#include "engine/report_writer.h"
#include "events/event_applier.h"
#include "events/key_serializer.h"
#include "events/s3_event.h"
#include "queue/in_flight.h"
#include "store/store_errors.h"

namespace ferry::events {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Seconds a message with a failed record stays invisible before it comes back:
// 2, 4, 8... up to 15 minutes, so a passing outage is retried soon and a
// poison message reaches the dead-letter queue without spinning.
int RetryDelay(int receive_count) {
  return std::min(900, 1 << std::clamp(receive_count, 1, 10));
}

// Seconds a receive waits for messages. Short enough that a stop, which lets
// the poll finish, is quick; long enough that an idle watch costs a few
// requests a minute.
constexpr int kPollSeconds = 5;

// Errors of the queue itself that waiting will not cure.
bool IsFatalForQueue(const Status& st) {
  return st.code() == Code::kUnauthenticated || st.code() == Code::kPermissionDenied ||
         st.code() == Code::kNotFound;
}

// One received message.
struct MessageWork {
  uint64_t handle = 0;
  std::string id;
  int receive_count = 1;
};

class EventWatch {
 public:
  EventWatch(const WatchContext& c, const WatchOptions& w, WatchCounters& counters,
             engine::RunCounters& run_counters, engine::ReportWriter& report, std::stop_token stop)
      : c_(c),
        w_(w),
        counters_(counters),
        run_counters_(run_counters),
        report_(report),
        forward_stop_(stop, [this] { stop_.request_stop(); }),
        executor_(*c.source, *c.destination, *c.options, c.checkpoints, run_counters, report,
                  stop_.get_token()),
        in_flight_(*c.sqs, w.queue_url, {.visibility_timeout = w.visibility_timeout}),
        record_pool_(std::clamp(c.options->transfers, 8, 64)),
        applier_({c.source, c.destination, c.watched, c.options, c.sequencers, &executor_,
                  &report, w.apply_removals,
                  [this](const std::string& level, const std::string& message) {
                    Log(level, message);
                  },
                  [this](Status st) { Fatal(std::move(st)); }},
                 counters, record_pool_, stop_.get_token()) {
    filter_ = c.options->filter;
    if (!c.destination->StoresFolderMarkers()) filter_.SkipFolderMarkers();
  }

  Result<WatchSummary> Run();

 private:
  void Log(const std::string& level, const std::string& message);
  void Fatal(Status st);
  Status fatal() const;

  void ReceiveLoop();
  void Dispatch(const queue::SqsMessage& message);
  void FinishMessage(const MessageWork& work, Applied result);

  void ResyncLoop();
  // Copies and deletes what differs; counts each in `found`.
  Status Resync(std::atomic<uint64_t>& found);

  const WatchContext& c_;
  const WatchOptions& w_;
  WatchCounters& counters_;
  engine::RunCounters& run_counters_;
  engine::ReportWriter& report_;
  engine::KeyFilter filter_;

  std::stop_source stop_;
  std::stop_callback<std::function<void()>> forward_stop_;
  mutable Mutex mu_;
  CondVar changed_;
  Status fatal_ GUARDED_BY(mu_);
  int messages_in_flight_ GUARDED_BY(mu_) = 0;

  engine::ObjectExecutor executor_;
  queue::InFlightMessages in_flight_;
  ThreadPool record_pool_;  // HEADs, deletes and the serializer's work
  EventApplier applier_;
};

void EventWatch::Log(const std::string& level, const std::string& message) {
  if (level == "error") {
    spdlog::error("{}", message);
  } else if (level == "warning") {
    spdlog::warn("{}", message);
  } else {
    spdlog::info("{}", message);
  }
  if (w_.log) w_.log(level, message);
}

void EventWatch::Fatal(Status st) {
  {
    MutexLock lock(mu_);
    if (fatal_.ok()) fatal_ = std::move(st);
  }
  stop_.request_stop();
  changed_.NotifyAll();
}

Status EventWatch::fatal() const {
  MutexLock lock(mu_);
  return fatal_;
}

Result<WatchSummary> EventWatch::Run() {
  const auto started = Clock::now();
  std::stop_token stop = stop_.get_token();
  // The queue, the buckets and the keys are checked before any work.
  FERRY_RETURN_IF_ERROR(c_.source->Probe(stop));
  FERRY_RETURN_IF_ERROR(c_.destination->PrepareDestination(stop));
  auto attributes = c_.sqs->GetQueueAttributes(w_.queue_url, {"RedrivePolicy"}, stop);
  if (!attributes.ok()) return std::move(attributes).take_error().Context("the events queue");
  if (!attributes->contains("RedrivePolicy")) {
    Log("warning", "queue '" + queue::QueueNameOf(w_.queue_url) +
                       "' has no dead-letter queue: a message that cannot be handled comes back "
                       "forever (ferry watch --create-queue makes one, or set a RedrivePolicy)");
  }
  Log("info", "watching " + c_.source->Describe() + " through queue '" +
                  queue::QueueNameOf(w_.queue_url) + "' -> " + c_.destination->Describe());

  // Every wait below also ends when the watch is stopped.
  std::stop_callback wake(stop, [this] {
    MutexLock lock(mu_);
    changed_.NotifyAll();
  });
  std::vector<std::thread> receivers;
  for (int i = 0; i < std::max(1, w_.receivers); ++i) {
    receivers.emplace_back([this] { ReceiveLoop(); });
  }
  std::thread resync;
  if (w_.next_resync) resync = std::thread([this] { ResyncLoop(); });

  {
    MutexLock lock(mu_);
    changed_.Wait(lock, [&] { return stop.stop_requested(); });
  }
  for (auto& t : receivers) t.join();
  if (resync.joinable()) resync.join();
  {
    // Records still running end quickly: the executor sees the stop.
    MutexLock lock(mu_);
    changed_.Wait(lock, [&]() REQUIRES(mu_) { return messages_in_flight_ == 0; });
  }
  executor_.Drain();
  // Work that was not finished goes back to the queue now, not after its timeout.
  in_flight_.ReleaseAll();

  if (Status st = fatal(); !st.ok()) return st;
  if (Status st = executor_.fatal(); !st.ok()) return st;
  WatchSummary s;
  s.messages = counters_.messages;
  s.test_events = counters_.test_events;
  s.records = counters_.records;
  s.copied = counters_.copied;
  s.same = counters_.same;
  s.deleted = counters_.deleted;
  s.stale = counters_.stale;
  s.gone = counters_.gone;
  s.ignored = counters_.ignored;
  s.failed = counters_.failed;
  s.unreadable = counters_.unreadable;
  s.resyncs = counters_.resyncs;
  s.caught_up = counters_.caught_up;
  s.missed = counters_.missed;
  s.bytes = run_counters_.bytes_copied;
  s.failures = executor_.TakeFailures();
  s.source_requests = c_.source->RequestCounts();
  s.destination_requests = c_.destination->RequestCounts();
  s.queue_requests = c_.sqs->RequestCounts();
  s.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return s;
}

void EventWatch::ReceiveLoop() {
  std::stop_token stop = stop_.get_token();
  int errors = 0;
  while (!stop.stop_requested()) {
    {
      // Bounded work: a backlog waits in the queue, not in memory.
      MutexLock lock(mu_);
      changed_.Wait(lock, [&]() REQUIRES(mu_) {
        return stop.stop_requested() || messages_in_flight_ < w_.max_messages_in_flight;
      });
      if (stop.stop_requested()) break;
    }
    // A long poll is not cut short by a stop: the service may already have
    // handed it messages, which a dropped connection would hide for a whole
    // visibility timeout. It ends within kPollSeconds, and what it brings
    // after a stop goes back to the queue at once.
    auto messages = c_.sqs->ReceiveMessage(
        w_.queue_url, {.max_messages = 10, .wait_seconds = kPollSeconds,
                       .visibility_timeout = w_.visibility_timeout});
    if (stop.stop_requested()) {
      if (messages.ok()) {
        for (const auto& m : *messages) in_flight_.Track(m);  // released by Run
      }
      break;
    }
    if (!messages.ok()) {
      if (IsFatalForQueue(messages.error())) {
        Fatal(std::move(messages).take_error().Context("receiving events"));
        break;
      }
      ++errors;
      Log("warning", "receiving from queue '" + queue::QueueNameOf(w_.queue_url) +
                         "' failed, trying again: " + messages.error().ToString());
      std::mutex mu;
      std::unique_lock lock(mu);
      std::condition_variable_any cv;
      cv.wait_for(lock, stop, FullJitterDelay({.cap = std::chrono::seconds(30)}, errors),
                  [] { return false; });
      continue;
    }
    errors = 0;
    for (const auto& m : *messages) Dispatch(m);
  }
}

void EventWatch::Dispatch(const queue::SqsMessage& message) {
  ++counters_.messages;
  auto work = std::make_shared<MessageWork>();
  work->handle = in_flight_.Track(message);
  work->id = message.id;
  work->receive_count = message.receive_count;
  auto parsed = ParseEventMessage(message.body);
  if (!parsed.ok()) {
    ++counters_.unreadable;
    Log("warning", "message " + message.id + " (received " +
                       std::to_string(message.receive_count) + " times) " +
                       parsed.error().ToString() + "; it goes to the dead-letter queue");
    report_.OnObject({"failed", "", 0, "unreadable message " + message.id, "",
                   message.receive_count, parsed.error().ToString()});
    in_flight_.Retry(work->handle, RetryDelay(message.receive_count));
    return;
  }
  if (parsed->test_event) {
    ++counters_.test_events;
    in_flight_.Done(work->handle);
    return;
  }
  {
    MutexLock lock(mu_);
    ++messages_in_flight_;
  }
  applier_.ApplyMessage(std::make_shared<EventMessage>(std::move(*parsed)),
                        message.receive_count,
                        [this, work = *work](Applied result) { FinishMessage(work, result); });
}

void EventWatch::FinishMessage(const MessageWork& work, Applied result) {
  if (result == Applied::kCancelled) {
    // Stopping: ReleaseAll hands it back.
  } else if (result == Applied::kFailed) {
    const int delay = RetryDelay(work.receive_count);
    Log("warning", "message " + work.id + " has a record that failed (received " +
                       std::to_string(work.receive_count) + " times); it comes back in " +
                       std::to_string(delay) + " s, or goes to the dead-letter queue");
    in_flight_.Retry(work.handle, delay);
  } else {
    in_flight_.Done(work.handle);
  }
  MutexLock lock(mu_);
  --messages_in_flight_;
  changed_.NotifyAll();
}

void EventWatch::ResyncLoop() {
  std::stop_token stop = stop_.get_token();
  std::optional<int64_t> previous;
  while (!stop.stop_requested()) {
    const int64_t now = NowSeconds();
    std::optional<int64_t> next = w_.next_resync(previous, now);
    if (!next) return;
    if (*next > now) {
      MutexLock lock(mu_);
      changed_.WaitFor(lock, std::chrono::seconds(*next - now),
                        [&] { return stop.stop_requested(); });
      if (stop.stop_requested()) return;
      if (NowSeconds() < *next) continue;  // woken early: compute again
    }
    const bool first = !previous;
    previous = *next;
    std::atomic<uint64_t>& found = first ? counters_.caught_up : counters_.missed;
    const uint64_t found_before = found;
    const int64_t started_ms = NowMs();
    Log("info", std::string(first ? "initial compare" : "resync") + ": comparing " +
                    c_.source->Describe() + " with " + c_.destination->Describe());
    Status st = Resync(found);
    if (stop.stop_requested()) return;
    ++counters_.resyncs;
    const uint64_t missed = found - found_before;
    if (!st.ok()) {
      if (store::EndsTheRun(st)) {
        Fatal(st);
        return;
      }
      Log("error", "resync failed: " + st.ToString());
      continue;
    }
    if (first) {
      Log("info", "initial compare done: " + std::to_string(missed) +
                      " objects copied or deleted to bring the destination up to date");
    } else {
      Log(missed > 0 ? "warning" : "info",
          "resync done: " + std::to_string(missed) + " object" + (missed == 1 ? "" : "s") +
              " that events had missed (copied or deleted)");
    }
    // Events applied before this compare began are settled by it.
    if (c_.sequencers != nullptr) {
      (void)c_.sequencers->Prune(started_ms - int64_t{24} * 3600 * 1000);
    }
  }
}

Status EventWatch::Resync(std::atomic<uint64_t>& found) {
  std::stop_token stop = stop_.get_token();
  engine::ListingOptions listing{.parallelism = c_.options->list_parallelism};
  engine::ListingCursor src_cursor(*c_.source, "", listing, stop);
  engine::ListingCursor dst_cursor(*c_.destination, "", listing, stop);
  engine::Differ differ(src_cursor, dst_cursor, c_.options->compare, filter_);
  engine::DeleteSpool deletes;

  // Decisions go through the key serializer, so an event and the resync never
  // act on one key at once; a window bounds what waits.
  const int window = std::max(16, 2 * c_.options->transfers);
  Mutex mu;
  CondVar cv;
  int pending = 0;
  auto acquire = [&] {
    MutexLock lock(mu);
    cv.Wait(lock, [&] { return pending < window; });
    ++pending;
  };
  auto release = [&] {
    MutexLock lock(mu);
    --pending;
    cv.NotifyAll();
  };
  const bool transfer = c_.options->mode != engine::RunMode::kCheck && !c_.options->dry_run;
  while (!stop.stop_requested()) {
    std::optional<engine::Decision> decision = differ.Next();
    if (!decision) break;
    switch (decision->action) {
      case engine::Action::kSkip:
        break;
      case engine::Action::kDelete:
        if (w_.apply_removals) {
          FERRY_RETURN_IF_ERROR(deletes.Add(decision->destination.key,
                                            decision->destination.size));
        }
        break;
      case engine::Action::kCopy:
      case engine::Action::kCheck: {
        if (!transfer) break;
        acquire();
        const std::string key = decision->source.key;
        applier_.serializer().Run(key, [this, d = std::move(*decision), &release, &found](
                                           std::function<void()> done) mutable {
          executor_.Submit(std::move(d), [this, done = std::move(done), &release,
                                &found](const engine::ObjectOutcome& outcome) {
            if (outcome.result == engine::Settled::kCopied) {
              ++found;
              ++counters_.copied;
            }
            done();
            release();
          });
        });
        break;
      }
    }
  }
  {
    MutexLock lock(mu);
    cv.Wait(lock, [&] { return pending == 0; });
  }
  if (stop.stop_requested()) return Status::Cancelled();
  FERRY_RETURN_IF_ERROR(src_cursor.status());
  FERRY_RETURN_IF_ERROR(dst_cursor.status());
  if (deletes.size() == 0) return Status::OK();
  if (src_cursor.listed() == 0 && !c_.options->allow_empty_source) {
    Log("warning", "resync: refusing to delete " + std::to_string(deletes.size()) +
                       " objects from " + c_.destination->Describe() + ": the source listed "
                       "no objects (--allow-empty-source allows it)");
    return Status::OK();
  }
  const double percent =
      100.0 * deletes.size() / std::max<uint64_t>(1, dst_cursor.listed());
  if ((c_.options->max_delete_count && deletes.size() > *c_.options->max_delete_count) ||
      (c_.options->max_delete_percent && percent > *c_.options->max_delete_percent)) {
    Log("warning", "resync: refusing to delete " + std::to_string(deletes.size()) +
                       " objects: over the --max-delete limit");
    return Status::OK();
  }
  return deletes.ForEachBatch(1000, [&](const std::vector<engine::SpooledDelete>& batch) {
    for (const auto& d : batch) {
      acquire();
      applier_.serializer().Run(d.key, [this, key = d.key, &release,
                                        &found](std::function<void()> done) {
        bool deleted = false;
        (void)applier_.DeleteIfGone(key, "only in destination (resync)", &deleted);
        if (deleted) {
          ++found;
          ++counters_.deleted;
        }
        done();
        release();
      });
    }
    MutexLock lock(mu);
    cv.Wait(lock, [&] { return pending == 0; });
    return stop.stop_requested() ? Status::Cancelled() : Status::OK();
  });
}

}  // namespace

Result<WatchSummary> RunWatch(const WatchContext& context, const WatchOptions& watch,
                              std::stop_token stop, WatchCounters* counters,
                              engine::RunCounters* run_counters) {
  if (context.source == nullptr || context.destination == nullptr || context.options == nullptr ||
      context.sqs == nullptr) {
    return Status::Internal("RunWatch: incomplete context");
  }
  auto report = engine::ReportWriter::Open(watch.report_path);
  if (!report.ok()) return std::move(report).take_error();
  WatchCounters own;
  engine::RunCounters own_run;
  EventWatch watcher(context, watch, counters != nullptr ? *counters : own,
                     run_counters != nullptr ? *run_counters : own_run, **report, stop);
  return watcher.Run();
}

}  // namespace ferry::events
