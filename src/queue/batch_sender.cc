#include "queue/batch_sender.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "core/backoff.h"

namespace ferry::queue {
namespace {

// Waits `delay` unless `stop` is requested first; false when stopped.
bool Wait(std::chrono::milliseconds delay, std::stop_token stop) {
  std::mutex mu;
  std::unique_lock lock(mu);
  std::condition_variable_any cv;
  cv.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace

Status SendAll(SqsClient& client, const std::string& url, const std::vector<std::string>& bodies,
               std::stop_token stop, const SendOptions& options) {
  std::vector<size_t> pending(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (bodies[i].size() > kMaxBatchBytes) {
      return Status::InvalidArgument("a message of " + std::to_string(bodies[i].size()) +
                                     " bytes is over SQS's 256 KiB limit");
    }
    pending[i] = i;
  }
  const BackoffPolicy backoff{.max_attempts = options.max_rounds,
                              .base = std::chrono::milliseconds(500),
                              .cap = std::chrono::milliseconds(20'000)};
  Status last;
  for (int round = 1; !pending.empty(); ++round) {
    if (stop.stop_requested()) return Status::Cancelled("stopped while sending messages");
    if (round > options.max_rounds) {
      return Status(Code::kUnavailable,
                    std::to_string(pending.size()) + " of " + std::to_string(bodies.size()) +
                        " messages could not be sent to queue '" + QueueNameOf(url) +
                        "': " + last.ToString(),
                    "the queue and the SQS service's status; nothing was dropped silently, "
                    "run the same command again");
    }
    std::vector<size_t> failed;
    size_t next = 0;
    while (next < pending.size()) {
      // One batch: up to ten messages within the byte limit.
      std::vector<SendEntry> entries;
      std::vector<size_t> members;
      size_t bytes = 0;
      while (next < pending.size() && entries.size() < kMaxBatchEntries &&
             (entries.empty() || bytes + bodies[pending[next]].size() <= kMaxBatchBytes)) {
        const size_t i = pending[next++];
        entries.push_back({std::to_string(entries.size()), bodies[i], 0});
        members.push_back(i);
        bytes += bodies[i].size();
      }
      auto answer = client.SendMessageBatch(url, entries, stop);
      if (!answer.ok()) {
        if (!answer.error().IsRetryable()) return std::move(answer).take_error();
        last = answer.error();
        failed.insert(failed.end(), members.begin(), members.end());
        continue;
      }
      for (const auto& f : *answer) {
        const size_t n = static_cast<size_t>(std::atoi(f.id.c_str()));
        if (n >= members.size()) continue;
        if (f.sender_fault) {
          return Status::InvalidArgument("queue '" + QueueNameOf(url) + "' refused a message: " +
                                         f.code + " " + f.message);
        }
        last = Status::Unavailable(f.code + " " + f.message);
        failed.push_back(members[n]);
      }
    }
    if (!failed.empty()) {
      spdlog::info("{} messages to queue '{}' were not accepted ({}); sending them again",
                   failed.size(), QueueNameOf(url), last.ToString());
      if (!Wait(FullJitterDelay(backoff, round), stop)) {
        return Status::Cancelled("stopped while sending messages");
      }
    }
    pending = std::move(failed);
  }
  return Status::OK();
}

}  // namespace ferry::queue
