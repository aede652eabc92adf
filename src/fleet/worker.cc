#include "fleet/worker.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/async_semaphore.h"
#include "core/backoff.h"
#include "core/md5.h"
#include "core/mutex.h"
#include "core/task.h"
#include "core/thread_pool.h"
#include "engine/differ.h"
#include "engine/object_executor.h"
#include "events/event_applier.h"
#include "events/s3_event.h"
#include "fleet/fleet_queues.h"
#include "fleet/work_item.h"
#include "job/run.h"
#include "job/spec_json.h"
#include "job/sync_spec.h"
#include "queue/batch_sender.h"
#include "queue/in_flight.h"
#include "state/sequencer_store.h"
#include "store/store_errors.h"

namespace ferry::fleet {
namespace {

using Clock = std::chrono::steady_clock;

// A receive waits this long for work; a stop lets it finish (see events/event_watch.cc).
constexpr int kPollSeconds = 5;

int RetryDelay(int receive_count) { return std::min(900, 1 << std::clamp(receive_count, 1, 10)); }

bool IsFatalForQueue(const Status& st) {
  return st.code() == Code::kUnauthenticated || st.code() == Code::kPermissionDenied ||
         st.code() == Code::kNotFound;
}

// Waits `delay` unless `stop` comes first.
void Sleep(std::chrono::milliseconds delay, std::stop_token stop) {
  std::mutex mu;
  std::unique_lock lock(mu);
  std::condition_variable_any cv;
  cv.wait_for(lock, stop, delay, [] { return false; });
}

// Takes `n` units of `memory` from a part thread (never the HTTP loop's), and
// gives them back at the end of its scope.
class MemoryLease {
 public:
  MemoryLease(AsyncSemaphore& memory, uint64_t n) : memory_(memory), n_(n) {
    RunBlocking([](AsyncSemaphore& m, uint64_t units) -> Task<bool> {
      co_await m.Acquire(units);
      co_return true;
    }(memory_, n_));
  }
  ~MemoryLease() { memory_.Release(n_); }
  MemoryLease(const MemoryLease&) = delete;
  MemoryLease& operator=(const MemoryLease&) = delete;

 private:
  AsyncSemaphore& memory_;
  const uint64_t n_;
};

// What a worker needs to serve one run's items: both sides and an executor.
struct Runtime {
  job::PreparedRun run;
  engine::RunCounters counters;
  std::unique_ptr<engine::ObjectExecutor> executor;
};

// Results go to their results queue in batches; `after(sent)` runs once per
// result, when the batch holding it was accepted (or could not be).
class ResultSender {
 public:
  ResultSender(queue::SqsClient& sqs, std::stop_token stop)
      : sqs_(sqs), stop_(std::move(stop)), thread_([this] { Loop(); }) {}
  ~ResultSender() {
    {
      MutexLock lock(mu_);
      closing_ = true;
    }
    wake_.NotifyAll();
    thread_.join();
  }

  // Sends what is pending now and waits until every callback has run.
  void Drain() {
    MutexLock lock(mu_);
    draining_ = true;
    wake_.NotifyAll();
    idle_.Wait(lock, [&]() REQUIRES(mu_) { return pending_.empty() && !sending_; });
    draining_ = false;
  }

  void Send(const std::string& url, const ItemResult& result, std::function<void(bool)> after) {
    {
      MutexLock lock(mu_);
      if (pending_.empty()) oldest_ = Clock::now();
      pending_.push_back({url, EncodeResult(result), std::move(after)});
    }
    wake_.NotifyAll();
  }

 private:
  struct Pending {
    std::string url;
    std::string body;
    std::function<void(bool)> after;
  };

  void Loop() {
    MutexLock lock(mu_);
    while (true) {
      const auto linger = oldest_ + std::chrono::milliseconds(200);
      const bool due = !pending_.empty() &&
                       (closing_ || draining_ || pending_.size() >= queue::kMaxBatchEntries ||
                        Clock::now() >= linger);
      if (!due) {
        idle_.NotifyAll();
        if (closing_ && pending_.empty()) return;
        if (pending_.empty()) {
          wake_.Wait(lock);
        } else {
          wake_.WaitUntil(lock, linger);
        }
        continue;
      }
      std::deque<Pending> batch;
      batch.swap(pending_);
      sending_ = true;
      lock.Unlock();
      // Grouped by results queue (a worker may serve several planners).
      std::map<std::string, std::vector<Pending*>> by_url;
      for (auto& p : batch) by_url[p.url].push_back(&p);
      for (auto& [url, items] : by_url) {
        std::vector<std::string> bodies;
        for (auto* p : items) bodies.push_back(p->body);
        // Results are sent even while stopping: the work they report is done.
        Status st = queue::SendAll(sqs_, url, bodies, {});
        if (!st.ok()) {
          spdlog::error("results could not be sent to {}: {}", queue::QueueNameOf(url),
                        st.ToString());
        }
        for (auto* p : items) p->after(st.ok());
      }
      lock.Lock();
      sending_ = false;
    }
  }

  queue::SqsClient& sqs_;
  std::stop_token stop_;
  Mutex mu_;
  CondVar wake_, idle_;
  std::deque<Pending> pending_ GUARDED_BY(mu_);
  bool sending_ GUARDED_BY(mu_) = false;
  bool draining_ GUARDED_BY(mu_) = false;
  Clock::time_point oldest_ GUARDED_BY(mu_);
  bool closing_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class Worker {
 public:
  Worker(queue::SqsClient& sqs, const WorkerOptions& options, WorkerCounters& counters,
         std::stop_token stop)
      : sqs_(sqs),
        options_(options),
        counters_(counters),
        stop_(std::move(stop)),
        memory_(options.memory),
        parts_pool_(std::clamp(options.concurrency / 4, 4, 32)),
        in_flight_(sqs, options.queue_url, {.visibility_timeout = options.visibility_timeout}),
        results_(sqs, stop_),
        item_pool_(std::max(1, options.items_at_once)) {}

  Status Run();

 private:
  void Handle(const queue::SqsMessage& message, uint64_t handle);
  // An S3 event message: applied to the events spec's sides; true when it was one.
  bool HandleEvent(const queue::SqsMessage& message, uint64_t handle);
  Status OpenEvents();
  Result<Runtime*> RuntimeFor(const nlohmann::json& spec);
  void DropRuntime(const nlohmann::json& spec);
  // Each returns the result of this receive; `cancelled` when a stop cut it short.
  ItemResult DoObjects(const WorkItem& item, Runtime& rt, int receive, bool& cancelled);
  ItemResult DoDeletes(const WorkItem& item, Runtime& rt, bool& cancelled);
  ItemResult DoParts(const WorkItem& item, Runtime& rt, int receive, bool& cancelled);
  // One part read from the source and written into the upload; returns its ETag.
  Result<std::string> CopyPart(const PartRange& p, Runtime& rt, int n);
  void ItemOver();

  queue::SqsClient& sqs_;
  const WorkerOptions& options_;
  WorkerCounters& counters_;
  std::stop_token stop_;
  int max_receive_count_ = 0;

  Mutex runtimes_mu_;
  std::map<std::string, std::unique_ptr<Runtime>> runtimes_ GUARDED_BY(runtimes_mu_);  // by spec
  // Runtimes dropped after a fatal error, kept until the worker ends: items
  // still running may use them.
  Mutex runtimes_graveyard_mu_;
  std::vector<std::unique_ptr<Runtime>> runtimes_graveyard_ GUARDED_BY(runtimes_graveyard_mu_);

  AsyncSemaphore memory_;  // bytes of part buffers
  ThreadPool parts_pool_;
  std::unique_ptr<state::SequencerStore> sequencers_;
  std::unique_ptr<ThreadPool> events_pool_;
  std::unique_ptr<events::EventApplier> applier_;  // with an events spec
  Mutex active_mu_;
  CondVar active_cv_;
  int active_ GUARDED_BY(active_mu_) = 0;  // items being worked on
  queue::InFlightMessages in_flight_;
  ResultSender results_;
  ThreadPool item_pool_;  // last: drained first
};

Status Worker::Run() {
  auto attributes = sqs_.GetQueueAttributes(options_.queue_url, {"RedrivePolicy"}, stop_);
  if (!attributes.ok()) return std::move(attributes).take_error().Context("the work queue");
  if (auto it = attributes->find("RedrivePolicy"); it != attributes->end()) {
    max_receive_count_ = ParseRedrivePolicy(it->second).second;
  } else {
    spdlog::warn("queue '{}' has no dead-letter queue: an item that keeps failing comes back "
                 "forever (ferry sync --fleet --create-queues makes one)",
                 queue::QueueNameOf(options_.queue_url));
  }
  if (!options_.events_spec.is_null()) FERRY_RETURN_IF_ERROR(OpenEvents());
  spdlog::info("worker {} serving queue '{}'", options_.name,
               queue::QueueNameOf(options_.queue_url));
  Status fatal;
  int errors = 0;
  while (!stop_.stop_requested()) {
    int room = 0;
    {
      MutexLock lock(active_mu_);
      active_cv_.Wait(lock, [&]() REQUIRES(active_mu_) {
        return stop_.stop_requested() || active_ < options_.items_at_once;
      });
      room = options_.items_at_once - active_;
    }
    if (stop_.stop_requested()) break;
    // Not cut short by a stop: messages it brings then go back at once.
    auto messages = sqs_.ReceiveMessage(
        options_.queue_url, {.max_messages = std::clamp(room, 1, 10),
                             .wait_seconds = kPollSeconds,
                             .visibility_timeout = options_.visibility_timeout});
    if (stop_.stop_requested()) {
      if (messages.ok()) {
        for (const auto& m : *messages) in_flight_.Track(m);
      }
      break;
    }
    if (!messages.ok()) {
      if (IsFatalForQueue(messages.error())) {
        fatal = std::move(messages).take_error().Context("receiving work");
        break;
      }
      ++errors;
      spdlog::warn("receiving from queue '{}' failed, trying again: {}",
                   queue::QueueNameOf(options_.queue_url), messages.error().ToString());
      Sleep(FullJitterDelay({.cap = std::chrono::seconds(30)}, errors), stop_);
      continue;
    }
    errors = 0;
    for (const auto& m : *messages) {
      const uint64_t handle = in_flight_.Track(m);
      ++counters_.items_received;
      ++counters_.items_in_flight;
      {
        MutexLock lock(active_mu_);
        ++active_;
      }
      item_pool_.Submit([this, m, handle] { Handle(m, handle); });
    }
  }
  {
    MutexLock lock(active_mu_);
    active_cv_.Wait(lock, [&]() REQUIRES(active_mu_) { return active_ == 0; });
  }
  // Results first (their items are then deleted), then unfinished items are
  // made visible again at once, for another worker.
  results_.Drain();
  in_flight_.ReleaseAll();
  return fatal;
}

void Worker::ItemOver() {
  --counters_.items_in_flight;
  MutexLock lock(active_mu_);
  --active_;
  active_cv_.NotifyAll();
}

Result<Runtime*> Worker::RuntimeFor(const nlohmann::json& spec_json) {
  const std::string key = spec_json.dump();
  MutexLock lock(runtimes_mu_);
  if (auto it = runtimes_.find(key); it != runtimes_.end()) return it->second.get();
  auto spec = job::SpecFromJson(spec_json);
  if (!spec.ok()) return std::move(spec).take_error();
  // Items carry resolved endpoints (the planner read its config file); no names here.
  job::RunSetup setup;
  setup.config_path = "the work item";
  setup.state_dir = options_.state_dir;
  auto prepared = job::PrepareRun(*spec, setup);
  if (!prepared.ok()) return std::move(prepared).take_error();
  auto rt = std::make_unique<Runtime>();
  rt->run = std::move(*prepared);
  // This worker's own bounds, not the planner's.
  rt->run.options.transfers = std::clamp(options_.concurrency, 1, 1024);
  rt->run.options.memory = options_.memory;
  if (options_.max_attempts > 0) rt->run.options.max_attempts = options_.max_attempts;
  job::PreparedRun& run = rt->run;
  rt->executor = std::make_unique<engine::ObjectExecutor>(
      *run.stores.source, *run.stores.destination, run.options, run.checkpoints.get(),
      rt->counters, engine::NoObserver(), stop_);
  spdlog::info("serving {}", job::RunName(rt->run.stores));
  Runtime* out = rt.get();
  runtimes_[key] = std::move(rt);
  return out;
}

void Worker::DropRuntime(const nlohmann::json& spec) {
  std::unique_ptr<Runtime> dropped;
  {
    MutexLock lock(runtimes_mu_);
    auto it = runtimes_.find(spec.dump());
    if (it == runtimes_.end()) return;
    dropped = std::move(it->second);
    runtimes_.erase(it);
  }
  MutexLock lock(runtimes_graveyard_mu_);
  runtimes_graveyard_.push_back(std::move(dropped));
}

Status Worker::OpenEvents() {
  auto rt = RuntimeFor(options_.events_spec);
  if (!rt.ok()) return std::move(rt).take_error().Context("the events' sides");
  FERRY_RETURN_IF_ERROR((*rt)->run.stores.source->Probe(stop_));
  FERRY_RETURN_IF_ERROR((*rt)->run.stores.destination->PrepareDestination(stop_));
  if (!options_.state_dir.empty()) {
    auto sequencers =
        state::SequencerStore::Open(options_.state_dir, job::RunName((*rt)->run.stores));
    if (!sequencers.ok()) return std::move(sequencers).take_error();
    sequencers_ = std::move(*sequencers);
  }
  events_pool_ = std::make_unique<ThreadPool>(16);
  events::ApplierContext context;
  context.source = (*rt)->run.stores.source.get();
  context.destination = (*rt)->run.stores.destination.get();
  context.watched = options_.events_source;
  context.options = &(*rt)->run.options;
  context.sequencers = sequencers_.get();
  context.executor = (*rt)->executor.get();
  context.observer = &engine::NoObserver();
  context.apply_removals = (*rt)->run.options.mode == engine::RunMode::kSync &&
                           (*rt)->run.options.delete_extra;
  context.fatal = [](Status st) { spdlog::error("events: {}", st.ToString()); };
  applier_ = std::make_unique<events::EventApplier>(std::move(context), counters_.events,
                                                    *events_pool_, stop_);
  spdlog::info("applying S3 events of s3://{}/{} to {}", options_.events_source.bucket,
               options_.events_source.prefix, (*rt)->run.stores.destination->Describe());
  return Status::OK();
}

bool Worker::HandleEvent(const queue::SqsMessage& message, uint64_t handle) {
  if (!applier_ || LooksLikeItem(message.body)) return false;
  auto parsed = events::ParseEventMessage(message.body);
  if (!parsed.ok()) return false;
  ++counters_.events.messages;
  if (parsed->test_event) {
    ++counters_.events.test_events;
    in_flight_.Done(handle);
    ItemOver();
    return true;
  }
  const int receive = message.receive_count;
  applier_->ApplyMessage(
      std::make_shared<events::EventMessage>(std::move(*parsed)), receive,
      [this, handle, receive](events::Applied result) {
        if (result == events::Applied::kDone) {
          ++counters_.items_done;
          in_flight_.Done(handle);
        } else if (result == events::Applied::kFailed) {
          ++counters_.items_failed;
          in_flight_.Retry(handle, RetryDelay(receive));
        }  // cancelled: ReleaseAll hands it back
        ItemOver();
      });
  return true;
}

void Worker::Handle(const queue::SqsMessage& message, uint64_t handle) {
  auto item = DecodeItem(message.body);
  if (!item.ok() && HandleEvent(message, handle)) return;
  if (!item.ok()) {
    ++counters_.items_poison;
    spdlog::warn("message {} (received {} times) is no work item: {}; it goes to the "
                 "dead-letter queue",
                 message.id, message.receive_count, item.error().ToString());
    in_flight_.Retry(handle, RetryDelay(message.receive_count));
    ItemOver();
    return;
  }
  ItemResult result;
  result.run = item->run;
  result.item = item->id;
  result.worker = options_.name;
  result.receive = message.receive_count;
  bool cancelled = false;
  auto rt = RuntimeFor(item->spec);
  if (!rt.ok()) {
    result.failures.push_back({"", 0, rt.error().ToString()});
    spdlog::error("item {}: {}", item->id, rt.error().ToString());
  } else {
    switch (item->kind) {
      case ItemKind::kObjects:
        result = DoObjects(*item, **rt, message.receive_count, cancelled);
        break;
      case ItemKind::kDeletes:
        result = DoDeletes(*item, **rt, cancelled);
        break;
      case ItemKind::kParts:
        result = DoParts(*item, **rt, message.receive_count, cancelled);
        break;
    }
    result.run = item->run;
    result.item = item->id;
    result.worker = options_.name;
    result.receive = message.receive_count;
    if (Status fatal = (*rt)->executor->fatal(); !fatal.ok()) {
      // These sides cannot be served as they were opened (refused credentials, a
      // missing bucket): the next item opens them again.
      spdlog::error("item {}: {}", item->id, fatal.ToString());
      DropRuntime(item->spec);
      cancelled = false;
      if (result.failures.empty()) result.failures.push_back({"", 0, fatal.ToString()});
    }
  }
  if (cancelled) {  // stopping: ReleaseAll hands the item back
    ItemOver();
    return;
  }
  result.done = result.failures.empty();
  result.final = !result.done && max_receive_count_ > 0 &&
                 message.receive_count >= max_receive_count_;
  if (result.done) {
    ++counters_.items_done;
  } else {
    ++counters_.items_failed;
    spdlog::warn("item {} (received {} times): {} object(s) failed, first: {}: {}{}",
                 item->id, message.receive_count, result.failures.size(),
                 result.failures[0].key, result.failures[0].error,
                 result.final ? "; it goes to the dead-letter queue" : "");
  }
  const int delay = RetryDelay(message.receive_count);
  const bool done = result.done;
  // The item is deleted only once its result is in the results queue: a worker
  // that dies in between leaves it to be done again (as identical objects).
  results_.Send(item->results_url, result, [this, handle, done, delay](bool sent) {
    if (done && sent) {
      in_flight_.Done(handle);
    } else {
      in_flight_.Retry(handle, done ? 0 : delay);
    }
  });
  ItemOver();
}

ItemResult Worker::DoObjects(const WorkItem& item, Runtime& rt, int receive, bool& cancelled) {
  ItemResult result;
  Mutex mu;
  CondVar settled;
  size_t pending = 0;
  bool stopped = false;
  for (const ItemObject& o : item.objects) {
    if (stop_.stop_requested()) {
      stopped = true;
      break;
    }
    engine::Decision d;
    d.source = o.source;
    d.reason = "fleet item " + item.id;
    if (!o.destination.key.empty()) {
      d.action = engine::Action::kCheck;
      d.destination = o.destination;
    } else {
      d.action = engine::Action::kCopy;
    }
    if (receive > 1 && d.action == engine::Action::kCopy) {
      // Done before this item came back? Then it is not done again.
      auto dst = rt.run.stores.destination->Head(o.source.key, stop_);
      if (dst.ok()) {
        store::ObjectEntry entry{o.source.key, dst->size, dst->etag, dst->mtime_ms, "", ""};
        auto recorded = dst->content.metadata.find(store::kSourceEtagMetadata);
        if (recorded != dst->content.metadata.end()) entry.recorded_etag = recorded->second;
        engine::Decision again = engine::Compare(o.source, entry, rt.run.options.compare);
        if (again.action == engine::Action::kSkip) {
          ++result.same;
          ++counters_.objects_same;
          continue;
        }
        d = std::move(again);
        d.reason = "fleet item " + item.id;
      }
    }
    {
      MutexLock lock(mu);
      ++pending;
    }
    const uint64_t size = o.source.size;
    rt.executor->Submit(std::move(d), [&, key = o.source.key, size](
                                          const engine::ObjectOutcome& outcome) {
      MutexLock lock(mu);
      switch (outcome.result) {
        case engine::Settled::kCopied:
          ++result.copied;
          result.bytes += size;
          ++counters_.objects_copied;
          counters_.bytes += size;
          break;
        case engine::Settled::kSame:
          ++result.same;
          ++counters_.objects_same;
          break;
        case engine::Settled::kFailed:
          result.failures.push_back({key, rt.run.options.max_attempts, outcome.error});
          ++counters_.objects_failed;
          break;
        case engine::Settled::kDiffers:
        case engine::Settled::kCancelled:
          stopped = true;
          break;
      }
      if (--pending == 0) settled.NotifyAll();
    });
  }
  MutexLock lock(mu);
  settled.Wait(lock, [&] { return pending == 0; });
  cancelled = stopped && stop_.stop_requested();
  if (stopped && !cancelled && rt.executor->fatal().ok()) {
    // Cancelled without a stop or a fatal error: cannot happen; keep the item.
    result.failures.push_back({"", 0, "the copy was cancelled"});
  }
  return result;
}

ItemResult Worker::DoDeletes(const WorkItem& item, Runtime& rt, bool& cancelled) {
  ItemResult result;
  Status st = rt.run.stores.destination->Delete(item.deletes, stop_);
  if (st.ok()) {
    result.deleted = item.deletes.size();
    counters_.objects_deleted += item.deletes.size();
  } else if (stop_.stop_requested()) {
    cancelled = true;
  } else {
    for (const auto& key : item.deletes) result.failures.push_back({key, 1, st.ToString()});
    counters_.objects_failed += item.deletes.size();
  }
  return result;
}

Result<std::string> Worker::CopyPart(const PartRange& p, Runtime& rt, int n) {
  const uint64_t offset = p.plan.Offset(n);
  const uint64_t length = p.plan.Length(n, p.size);
  MemoryLease lease(memory_, std::max<uint64_t>(length, 1));
  std::string data;
  data.reserve(length);
  auto meta = rt.run.stores.source->Read(
      p.key, offset, length,
      [&](std::string_view chunk) {
        data.append(chunk);
        return true;
      },
      stop_);
  if (!meta.ok()) return std::move(meta).take_error();
  if (!p.etag.empty() && !meta->etag.empty() && meta->etag != p.etag) {
    return Status(Code::kFailedPrecondition,
                  "'" + p.key + "' changed at the source since the run was planned (ETag " +
                      meta->etag + ", planned " + p.etag + ")",
                  "run the same command again to copy the new version");
  }
  if (data.size() != length) {
    return Status::DataLoss("part " + std::to_string(n) + " of '" + p.key + "': read " +
                            std::to_string(data.size()) + " bytes of " + std::to_string(length));
  }
  const std::string digest = Md5::Digest(data);
  auto etag = rt.run.stores.destination->PutPart(p.key, p.upload_id, n, offset, data,
                                             Md5::Base64(digest), stop_);
  if (!etag.ok()) return std::move(etag).take_error();
  const std::string md5 = Md5::Hex(digest);
  const bool md5_etags = rt.run.stores.destination->HasMd5Etags() &&
                         rt.run.options.transfer.settings.sse != "aws:kms";
  if (md5_etags && *etag != md5) {
    return Status::DataLoss("part " + std::to_string(n) + " of '" + p.key + "': the destination "
                            "answered ETag " + *etag + " for bytes whose MD5 is " + md5);
  }
  counters_.bytes += length;
  ++counters_.parts_uploaded;
  return md5;
}

ItemResult Worker::DoParts(const WorkItem& item, Runtime& rt, int receive, bool& cancelled) {
  ItemResult result;
  const PartRange& p = item.part;
  std::map<int, store::PartEtag> have;
  if (receive > 1) {
    // Parts stored by an earlier receive are kept: the planner proves the whole
    // object from the parts' MD5s before it completes the upload.
    auto parts = rt.run.stores.destination->ListUploadedParts(p.key, p.upload_id, stop_);
    if (!parts.ok() && parts.error().code() == Code::kNotFound) {
      result.done = true;  // completed or aborted by the planner: nothing left to do
      return result;
    }
    if (parts.ok()) {
      for (const auto& part : *parts) have[part.part_number] = part;
    }
  }
  Mutex mu;
  CondVar settled;
  int pending = 0;
  bool gone = false;
  for (int n = p.first; n <= p.last; ++n) {
    const uint64_t length = p.plan.Length(n, p.size);
    if (auto it = have.find(n); it != have.end() && it->second.size == length) {
      result.parts.push_back({n, it->second.etag, length});
      continue;
    }
    {
      MutexLock lock(mu);
      ++pending;
    }
    parts_pool_.Submit([&, n, length] {
      Status last;
      std::string etag;
      for (int attempt = 1; attempt <= std::max(1, rt.run.options.max_attempts); ++attempt) {
        if (stop_.stop_requested()) break;
        auto copied = CopyPart(p, rt, n);
        if (copied.ok()) {
          etag = *copied;
          last = Status::OK();
          break;
        }
        last = copied.error();
        const bool again = last.IsRetryable() || last.code() == Code::kDataLoss;
        if (!again) break;
        Sleep(FullJitterDelay({}, attempt), stop_);
      }
      MutexLock lock(mu);
      if (last.ok() && !etag.empty()) {
        result.parts.push_back({n, etag, length});
        result.bytes += length;
      } else if (stop_.stop_requested()) {
        cancelled = true;
      } else if (store::IsMissingUpload(last)) {
        gone = true;
      } else {
        result.failures.push_back({p.key + " (part " + std::to_string(n) + ")",
                                   rt.run.options.max_attempts, last.ToString()});
      }
      if (--pending == 0) settled.NotifyAll();
    });
  }
  MutexLock lock(mu);
  settled.Wait(lock, [&] { return pending == 0; });
  if (gone && result.failures.empty()) {
    // The planner completed or aborted the upload meanwhile: nothing is left.
    spdlog::info("item {}: the upload of '{}' is over", item.id, p.key);
    result.parts.clear();
  }
  std::sort(result.parts.begin(), result.parts.end(),
            [](const auto& a, const auto& b) { return a.part_number < b.part_number; });
  return result;
}

}  // namespace

Status RunWorker(queue::SqsClient& sqs, const WorkerOptions& options, WorkerCounters& counters,
                 std::stop_token stop) {
  Worker worker(sqs, options, counters, std::move(stop));
  return worker.Run();
}

}  // namespace ferry::fleet
