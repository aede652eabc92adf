// InFlightMessages: the messages a consumer has received and not yet settled.
//
// While a message is tracked its visibility timeout is extended (a heartbeat),
// so no other consumer receives it however long the work takes. A settled
// message is deleted (Done) or handed back to the queue after a delay (Retry:
// the queue's redrive policy counts the receives and moves a message that keeps
// failing to its dead-letter queue). Deletes and visibility changes are sent in
// batches of ten by one thread of its own, so acknowledging costs a tenth of a
// request per message. ReleaseAll makes every tracked message visible again at
// once (a consumer that is stopping gives its work back without waiting out a
// timeout).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "queue/sqs_client.h"

namespace ferry::queue {

struct InFlightOptions {
  // Seconds a message stays invisible after each extension; extended when half
  // of it has passed. The receive should ask for the same.
  int visibility_timeout = 60;
  // How long a delete may wait for nine others before it is sent alone.
  std::chrono::milliseconds linger{200};
};

class InFlightMessages {
 public:
  InFlightMessages(SqsClient& client, std::string url, InFlightOptions options = {});
  // Sends what is pending (deletes, visibility changes), then stops the thread.
  // Messages still tracked are left to their timeout.
  ~InFlightMessages();
  InFlightMessages(const InFlightMessages&) = delete;
  InFlightMessages& operator=(const InFlightMessages&) = delete;

  // Starts tracking `message` (just received, with the options' visibility timeout).
  // Returns the handle that settles it.
  uint64_t Track(const SqsMessage& message);
  // The message is done: it is deleted.
  void Done(uint64_t handle);
  // The message failed: it becomes visible again after `delay_seconds`.
  void Retry(uint64_t handle, int delay_seconds);
  // Every tracked message becomes visible again now; waits until that was sent.
  void ReleaseAll();
  // Waits until every delete and visibility change asked for so far was sent.
  void Flush();

  size_t tracked() const;
  uint64_t deleted() const;
  uint64_t heartbeats() const;

 private:
  struct Tracked {
    std::string receipt_handle;
    std::chrono::steady_clock::time_point extend_at;
  };
  void Loop();
  // Sends `entries` (receipt, visibility) with the batch call named by `change`
  // (true: ChangeMessageVisibilityBatch, false: DeleteMessageBatch).
  void SendBatches(std::vector<ReceiptEntry> entries, bool change);
  // Moves the first entries of `pending` to `taken`: all of them, or with
  // `whole_batches_only` as many as fill batches of ten.
  static void TakePending(std::vector<ReceiptEntry>& pending, std::vector<ReceiptEntry>& taken,
                          bool whole_batches_only);

  SqsClient& client_;
  const std::string url_;
  const InFlightOptions options_;

  mutable Mutex mu_;
  CondVar wake_, sent_;
  std::map<uint64_t, Tracked> tracked_ GUARDED_BY(mu_);
  std::vector<ReceiptEntry> deletes_ GUARDED_BY(mu_);
  std::vector<ReceiptEntry> changes_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point oldest_pending_ GUARDED_BY(mu_);
  uint64_t next_handle_ GUARDED_BY(mu_) = 1;
  uint64_t asked_ GUARDED_BY(mu_) = 0;  // flush generations asked for
  uint64_t done_ GUARDED_BY(mu_) = 0;   // and completed
  uint64_t deleted_ GUARDED_BY(mu_) = 0;
  uint64_t heartbeats_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::stop_source stop_;  // cancels calls in flight when destroyed
  std::thread thread_;
};

}  // namespace ferry::queue
