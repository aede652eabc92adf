#include "events/event_applier.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "engine/differ.h"
#include "store/store_errors.h"

namespace ferry::events {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What is left of one message's records.
struct MessageRecords {
  std::shared_ptr<const EventMessage> message;
  std::function<void(Applied)> done;
  std::atomic<int> remaining{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> cancelled{false};
};

}  // namespace

EventApplier::EventApplier(ApplierContext context, WatchCounters& counters, ThreadPool& pool,
                           std::stop_token stop)
    : c_(std::move(context)), counters_(counters), stop_(std::move(stop)), pool_(pool),
      serializer_(pool) {
  filter_ = c_.options->filter;
  if (!c_.destination->StoresFolderMarkers()) filter_.SkipFolderMarkers();
}

void EventApplier::Log(const std::string& level, const std::string& message) {
  if (level == "error") {
    spdlog::error("{}", message);
  } else if (level == "warning") {
    spdlog::warn("{}", message);
  } else {
    spdlog::info("{}", message);
  }
  if (c_.log) c_.log(level, message);
}

void EventApplier::Fatal(Status st) {
  if (c_.fatal) c_.fatal(std::move(st));
}

void EventApplier::ApplyMessage(std::shared_ptr<const EventMessage> message, int receive_count,
                                std::function<void(Applied)> done) {
  // Which records are ours; the others are done at once.
  std::vector<std::pair<const ObjectEvent*, std::string>> mine;
  for (const ObjectEvent& e : message->records) {
    ++counters_.records;
    const bool kind_ok = e.kind == EventKind::kCreated ||
                         (e.kind == EventKind::kRemoved && c_.apply_removals);
    const bool ours = e.bucket == c_.watched.bucket && e.key.size() > c_.watched.prefix.size() &&
                      e.key.compare(0, c_.watched.prefix.size(), c_.watched.prefix) == 0;
    std::string key = ours ? e.key.substr(c_.watched.prefix.size()) : std::string();
    if (!kind_ok || !ours || !filter_.KeyIncluded(key)) {
      ++counters_.ignored;
      spdlog::debug("ignoring {} of s3://{}/{}", e.name, e.bucket, e.key);
      continue;
    }
    mine.emplace_back(&e, std::move(key));
  }
  if (mine.empty()) return done(Applied::kDone);
  auto records = std::make_shared<MessageRecords>();
  records->message = message;  // keeps the events alive until the last record is done
  records->done = std::move(done);
  records->remaining = static_cast<int>(mine.size());
  for (auto& [event, key] : mine) {
    // Copies of the bindings: clang before 16 cannot capture a structured binding.
    serializer_.Run(key, [this, records, event = event, key = key,
                          receive_count](std::function<void()> next) {
      Apply(*event, key, receive_count, [records, next = std::move(next)](Applied result) {
        next();
        if (result == Applied::kFailed) records->failed = true;
        if (result == Applied::kCancelled) records->cancelled = true;
        if (--records->remaining == 0) {
          records->done(records->cancelled ? Applied::kCancelled
                        : records->failed  ? Applied::kFailed
                                           : Applied::kDone);
        }
      });
    });
  }
}

bool EventApplier::Stale(const std::string& key, const std::string& sequencer) {
  if (sequencer.empty() || c_.sequencers == nullptr) return false;
  auto applied = c_.sequencers->Get(key);
  if (!applied.ok()) {
    Log("warning", applied.error().ToString());
    return false;
  }
  return applied->has_value() && CompareSequencers(sequencer, **applied) <= 0;
}

void EventApplier::RecordApplied(const std::string& key, const std::string& sequencer) {
  if (sequencer.empty() || c_.sequencers == nullptr) return;
  if (Status st = c_.sequencers->Put(key, sequencer, NowMs()); !st.ok()) {
    Log("warning", st.ToString());
  }
}

void EventApplier::Apply(const ObjectEvent& event, const std::string& key, int receive_count,
                       std::function<void(Applied)> finish) {
  if (stop_.stop_requested()) return finish(Applied::kCancelled);
  if (Stale(key, event.sequencer)) {
    ++counters_.stale;
    c_.observer->OnObject({"skipped", key, event.size, "stale event (" + event.name +
                                                   "): a newer one for this key was applied"});
    return finish(Applied::kDone);
  }
  if (event.kind == EventKind::kCreated) {
    ApplyCreated(event, key, receive_count, std::move(finish));
  } else {
    ApplyRemoved(event, key, std::move(finish));
  }
}

void EventApplier::ApplyCreated(const ObjectEvent& event, const std::string& key,
                              int receive_count, std::function<void(Applied)> finish) {
  std::stop_token stop = stop_;
  auto head = c_.source->Head(key, stop);
  if (!head.ok()) {
    if (stop.stop_requested()) return finish(Applied::kCancelled);
    if (store::IsMissingObject(head.error())) {
      ++counters_.gone;
      Log("info", "'" + key + "' is gone from the source since its " + event.name +
                      " event: skipped (its removal has an event of its own)");
      c_.observer->OnObject({"skipped", key, event.size, "gone from the source since the event"});
      return finish(Applied::kDone);
    }
    if (store::EndsTheRun(head.error())) {
      Fatal(head.error());
      return finish(Applied::kCancelled);
    }
    ++counters_.failed;
    Log("warning", "'" + key + "': " + head.error().ToString());
    c_.observer->OnObject({"failed", key, event.size, event.name, "", 1, head.error().ToString()});
    return finish(Applied::kFailed);
  }
  // The source holds another version than the event names: this event was
  // superseded, and the newer version's own event applies it.
  if (!event.etag.empty() && !head->etag.empty() &&
      (head->etag != event.etag || head->size != event.size)) {
    ++counters_.stale;
    c_.observer->OnObject({"skipped", key, event.size,
                   "stale event (" + event.name + "): the source holds a newer version"});
    return finish(Applied::kDone);
  }
  engine::Decision decision;
  decision.action = engine::Action::kCopy;
  decision.reason = "event " + event.name;
  decision.source = {key, head->size, head->etag, head->mtime_ms, "", ""};
  // A redelivered message may have been applied already (the consumer died
  // before deleting it), and a large copy is worth a HEAD: compare first.
  const bool compare_first = receive_count > 1 || head->size >= c_.options->transfer.multipart_threshold;
  if (compare_first) {
    auto dst = c_.destination->Head(key, stop);
    if (dst.ok()) {
      store::ObjectEntry dst_entry{key, dst->size, dst->etag, dst->mtime_ms, "", ""};
      if (auto it = dst->content.metadata.find(store::kSourceEtagMetadata);
          it != dst->content.metadata.end()) {
        dst_entry.recorded_etag = it->second;
      }
      decision = engine::Compare(decision.source, dst_entry, c_.options->compare);
      if (decision.action == engine::Action::kSkip) {
        ++counters_.same;
        RecordApplied(key, event.sequencer);
        c_.observer->OnObject({"skipped", key, head->size, decision.reason});
        return finish(Applied::kDone);
      }
    }
  }
  const std::string sequencer = event.sequencer;
  auto settled = [this, key, sequencer, finish = std::move(finish)](
                     const engine::ObjectOutcome& outcome) {
    switch (outcome.result) {
      case engine::Settled::kCopied:
        ++counters_.copied;
        RecordApplied(key, sequencer);
        return finish(Applied::kDone);
      case engine::Settled::kSame:
        ++counters_.same;
        RecordApplied(key, sequencer);
        return finish(Applied::kDone);
      case engine::Settled::kFailed:
        ++counters_.failed;
        return finish(Applied::kFailed);
      case engine::Settled::kDiffers:
      case engine::Settled::kCancelled:
        if (Status st = c_.executor->fatal(); !st.ok()) Fatal(st);
        return finish(Applied::kCancelled);
    }
  };
  // The executor tells the outcome on the HTTP loop's thread, which must not
  // block: the sequencer's write and what the caller does at the end (deleting
  // the message, the task's log) run on the pool.
  c_.executor->Submit(std::move(decision), [this, settled = std::move(settled)](
                                               const engine::ObjectOutcome& outcome) {
    pool_.Submit([settled, outcome] { settled(outcome); });
  });
}

Applied EventApplier::DeleteIfGone(const std::string& key, const std::string& reason,
                                      bool* deleted) {
  std::stop_token stop = stop_;
  *deleted = false;
  auto head = c_.source->Head(key, stop);
  if (head.ok()) return Applied::kDone;  // the key exists again: nothing to delete
  if (stop.stop_requested()) return Applied::kCancelled;
  if (!store::IsMissingObject(head.error())) {
    if (store::EndsTheRun(head.error())) {
      Fatal(head.error());
      return Applied::kCancelled;
    }
    Log("warning", "'" + key + "': " + head.error().ToString());
    c_.observer->OnObject({"failed", key, 0, reason, "", 1, head.error().ToString()});
    return Applied::kFailed;
  }
  Status st = c_.destination->Delete({key}, stop);
  if (!st.ok()) {
    if (stop.stop_requested()) return Applied::kCancelled;
    if (store::EndsTheRun(st)) {
      Fatal(st);
      return Applied::kCancelled;
    }
    Log("warning", "deleting '" + key + "': " + st.ToString());
    c_.observer->OnObject({"failed", key, 0, reason, "", 1, st.ToString()});
    return Applied::kFailed;
  }
  *deleted = true;
  c_.observer->OnObject({"deleted", key, 0, reason});
  return Applied::kDone;
}

void EventApplier::ApplyRemoved(const ObjectEvent& event, const std::string& key,
                              std::function<void(Applied)> finish) {
  bool deleted = false;
  const Applied result = DeleteIfGone(key, "event " + event.name, &deleted);
  if (result == Applied::kDone) {
    if (deleted) {
      ++counters_.deleted;
      RecordApplied(key, event.sequencer);
    } else {
      ++counters_.stale;
      c_.observer->OnObject({"skipped", key, 0, "stale event (" + event.name +
                                            "): the key exists at the source again"});
    }
  } else if (result == Applied::kFailed) {
    ++counters_.failed;
  }
  finish(result);
}

}  // namespace ferry::events
