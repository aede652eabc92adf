#include "queue/in_flight.h"

#include <spdlog/spdlog.h>

namespace ferry::queue {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

InFlightMessages::InFlightMessages(SqsClient& client, std::string url, InFlightOptions options)
    : client_(client), url_(std::move(url)), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

InFlightMessages::~InFlightMessages() {
  Flush();
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.join();
}

uint64_t InFlightMessages::Track(const SqsMessage& message) {
  MutexLock lock(mu_);
  const uint64_t handle = next_handle_++;
  tracked_[handle] = {message.receipt_handle,
                      Clock::now() + std::chrono::seconds(options_.visibility_timeout) / 2};
  return handle;
}

void InFlightMessages::Done(uint64_t handle) {
  {
    MutexLock lock(mu_);
    auto it = tracked_.find(handle);
    if (it == tracked_.end()) return;
    if (deletes_.empty() && changes_.empty()) oldest_pending_ = Clock::now();
    deletes_.push_back({std::to_string(deletes_.size()), it->second.receipt_handle, 0});
    tracked_.erase(it);
  }
  wake_.NotifyAll();
}

void InFlightMessages::Retry(uint64_t handle, int delay_seconds) {
  {
    MutexLock lock(mu_);
    auto it = tracked_.find(handle);
    if (it == tracked_.end()) return;
    if (deletes_.empty() && changes_.empty()) oldest_pending_ = Clock::now();
    changes_.push_back({std::to_string(changes_.size()), it->second.receipt_handle,
                        std::clamp(delay_seconds, 0, 43200)});
    tracked_.erase(it);
  }
  wake_.NotifyAll();
}

void InFlightMessages::ReleaseAll() {
  {
    MutexLock lock(mu_);
    if (deletes_.empty() && changes_.empty()) oldest_pending_ = Clock::now();
    for (const auto& [handle, t] : tracked_) {
      changes_.push_back({std::to_string(changes_.size()), t.receipt_handle, 0});
    }
    tracked_.clear();
  }
  Flush();
}

void InFlightMessages::Flush() {
  MutexLock lock(mu_);
  // Also waits for a batch that the thread is sending right now.
  const uint64_t generation = ++asked_;
  wake_.NotifyAll();
  sent_.Wait(lock, [&]() REQUIRES(mu_) { return done_ >= generation || stopping_; });
}

size_t InFlightMessages::tracked() const {
  MutexLock lock(mu_);
  return tracked_.size();
}

uint64_t InFlightMessages::deleted() const {
  MutexLock lock(mu_);
  return deleted_;
}

uint64_t InFlightMessages::heartbeats() const {
  MutexLock lock(mu_);
  return heartbeats_;
}

void InFlightMessages::SendBatches(std::vector<ReceiptEntry> entries, bool change) {
  for (size_t first = 0; first < entries.size(); first += kMaxBatchEntries) {
    std::vector<ReceiptEntry> batch(
        entries.begin() + first,
        entries.begin() + std::min(entries.size(), first + kMaxBatchEntries));
    for (size_t i = 0; i < batch.size(); ++i) batch[i].id = std::to_string(i);
    auto answer = change ? client_.ChangeMessageVisibilityBatch(url_, batch, stop_.get_token())
                         : client_.DeleteMessageBatch(url_, batch, stop_.get_token());
    if (!answer.ok()) {
      // The messages come back after their timeout and are handled again:
      // work is repeated, never lost.
      spdlog::warn("{} of {} messages on queue '{}' failed: {}",
                   change ? "changing the visibility" : "deleting", batch.size(),
                   QueueNameOf(url_), answer.error().ToString());
      continue;
    }
    for (const auto& f : *answer) {
      spdlog::info("{} a message on queue '{}' failed: {} {}",
                   change ? "changing the visibility of" : "deleting", QueueNameOf(url_), f.code,
                   f.message);
    }
    if (!change) {
      MutexLock lock(mu_);
      deleted_ += batch.size() - answer->size();
    }
  }
}

void InFlightMessages::TakePending(std::vector<ReceiptEntry>& pending,
                                   std::vector<ReceiptEntry>& taken, bool whole_batches_only) {
  const size_t count =
      whole_batches_only ? pending.size() - pending.size() % kMaxBatchEntries : pending.size();
  taken.assign(std::make_move_iterator(pending.begin()),
               std::make_move_iterator(pending.begin() + static_cast<ptrdiff_t>(count)));
  pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(count));
}

void InFlightMessages::Loop() {
  MutexLock lock(mu_);
  while (true) {
    const auto now = Clock::now();
    Clock::time_point next = now + std::chrono::seconds(1);
    for (const auto& [handle, t] : tracked_) next = std::min(next, t.extend_at);
    const bool pending = !deletes_.empty() || !changes_.empty();
    if (pending) next = std::min(next, oldest_pending_ + options_.linger);
    const bool flush = asked_ > done_ || stopping_ ||
                       deletes_.size() >= kMaxBatchEntries || changes_.size() >= kMaxBatchEntries ||
                       (pending && now >= oldest_pending_ + options_.linger);
    std::vector<ReceiptEntry> extend;
    for (auto& [handle, t] : tracked_) {
      if (t.extend_at <= now) {
        extend.push_back({"", t.receipt_handle, options_.visibility_timeout});
        t.extend_at = now + std::chrono::seconds(options_.visibility_timeout) / 2;
      }
    }
    if (flush || !extend.empty()) {
      std::vector<ReceiptEntry> deletes, changes;
      const uint64_t generation = asked_;
      if (flush) {
        // Full only (nothing asked, nothing waited out): send the whole batches
        // and keep the rest for the next ten, so acknowledging costs a tenth of
        // a request per message however the callers' timing falls.
        const bool whole_batches_only =
            asked_ == done_ && !stopping_ && now < oldest_pending_ + options_.linger;
        TakePending(deletes_, deletes, whole_batches_only);
        TakePending(changes_, changes, whole_batches_only);
      }
      heartbeats_ += extend.size();
      lock.Unlock();
      if (!extend.empty()) SendBatches(std::move(extend), true);
      if (!deletes.empty()) SendBatches(std::move(deletes), false);
      if (!changes.empty()) SendBatches(std::move(changes), true);
      lock.Lock();
      if (flush) {
        done_ = std::max(done_, generation);
        sent_.NotifyAll();
      }
      if (stopping_ && deletes_.empty() && changes_.empty()) break;
      continue;
    }
    if (stopping_) break;
    wake_.WaitUntil(lock, next);
  }
  sent_.NotifyAll();
}

}  // namespace ferry::queue
