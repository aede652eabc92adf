// A client for Amazon SQS over net::HttpClient, in the AWS JSON 1.0 protocol
// that SQS speaks (the SDKs' default since 2023; moto's server speaks it too).
//
// As s3::S3Client: every call is signed with SigV4 (service "sqs"), transient
// failures (5xx, throttling, connection errors) are retried with exponential
// backoff and full jitter, authentication errors never are, and error answers
// become Status values that name the call, the queue and what to check. The
// batch calls report per-entry failures as values. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "core/backoff.h"
#include "core/mutex.h"
#include "core/status.h"
#include "net/http_client.h"

namespace ferry::queue {

struct SqsConfig {
  std::string endpoint;  // scheme://host[:port]
  std::string region;    // what requests are signed for
  BackoffPolicy retry{.max_attempts = 8, .base = std::chrono::milliseconds(100),
                      .cap = std::chrono::milliseconds(10'000)};
};

struct SqsMessage {
  std::string id;
  std::string receipt_handle;
  std::string body;
  int receive_count = 1;   // ApproximateReceiveCount: 1 on the first delivery
  int64_t sent_ms = 0;     // SentTimestamp
};

struct ReceiveOptions {
  int max_messages = 10;                     // 1..10
  int wait_seconds = 20;                     // long polling, 0..20
  int visibility_timeout = -1;               // seconds; -1 = the queue's default
};

// One entry of a batch call; `id` is unique within the batch.
struct SendEntry {
  std::string id;
  std::string body;
  int delay_seconds = 0;
};
struct ReceiptEntry {
  std::string id;
  std::string receipt_handle;
  int visibility_timeout = 0;  // ChangeMessageVisibilityBatch only
};
struct BatchFailure {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = false;  // true: the entry itself is wrong, sending it again will not help
};

// Most messages and bytes one batch call may carry (SQS limits).
inline constexpr int kMaxBatchEntries = 10;
inline constexpr size_t kMaxBatchBytes = 256 * 1024;

class SqsClient {
 public:
  using Callback = std::function<void(Result<nlohmann::json>)>;

  // Errors: a malformed endpoint URL.
  static Result<std::unique_ptr<SqsClient>> Create(
      SqsConfig config, std::shared_ptr<auth::CredentialProvider> credentials,
      std::shared_ptr<net::HttpClient> http);

  // One API call, `action` as "SendMessageBatch", `request` its JSON input; the
  // callback gets the JSON output or the mapped error (on the HTTP driver thread).
  // `total_timeout` bounds one attempt (long polls need more than the default).
  void CallAsync(std::string action, nlohmann::json request, Callback done,
                 std::stop_token stop = {},
                 std::chrono::milliseconds total_timeout = std::chrono::seconds(30));
  // Blocking; also retries once with re-read credentials when they are rejected
  // and their source can re-read them (key rotation).
  Result<nlohmann::json> Call(const std::string& action, const nlohmann::json& request,
                              std::stop_token stop = {},
                              std::chrono::milliseconds total_timeout = std::chrono::seconds(30));

  // Creates (or finds, when one with the same attributes exists) queue `name`;
  // returns its URL. `attributes` as SQS names them (VisibilityTimeout, RedrivePolicy, Policy...).
  Result<std::string> CreateQueue(const std::string& name,
                                  const std::map<std::string, std::string>& attributes,
                                  std::stop_token stop = {});
  Result<std::string> GetQueueUrl(const std::string& name, std::stop_token stop = {});
  Status DeleteQueue(const std::string& url, std::stop_token stop = {});
  // `names` empty = All.
  Result<std::map<std::string, std::string>> GetQueueAttributes(
      const std::string& url, const std::vector<std::string>& names, std::stop_token stop = {});
  Status SetQueueAttributes(const std::string& url,
                            const std::map<std::string, std::string>& attributes,
                            std::stop_token stop = {});

  // Up to 10 entries, 256 KiB in all. Returns the entries that failed.
  Result<std::vector<BatchFailure>> SendMessageBatch(const std::string& url,
                                                     const std::vector<SendEntry>& entries,
                                                     std::stop_token stop = {});
  // Long-polls up to `options.wait_seconds`; an empty answer is no error.
  Result<std::vector<SqsMessage>> ReceiveMessage(const std::string& url,
                                                 const ReceiveOptions& options,
                                                 std::stop_token stop = {});
  Result<std::vector<BatchFailure>> DeleteMessageBatch(const std::string& url,
                                                       const std::vector<ReceiptEntry>& entries,
                                                       std::stop_token stop = {});
  Status ChangeMessageVisibility(const std::string& url, const std::string& receipt_handle,
                                 int visibility_timeout, std::stop_token stop = {});
  Result<std::vector<BatchFailure>> ChangeMessageVisibilityBatch(
      const std::string& url, const std::vector<ReceiptEntry>& entries,
      std::stop_token stop = {});

  // Calls sent so far by action ("ReceiveMessage": 12, ...), retries included.
  std::map<std::string, uint64_t> RequestCounts() const;
  const std::string& endpoint() const { return config_.endpoint; }

 private:
  struct Pending;

  SqsClient(SqsConfig config, std::shared_ptr<auth::CredentialProvider> credentials,
            std::shared_ptr<net::HttpClient> http);
  void Attempt(std::shared_ptr<Pending> call, std::chrono::steady_clock::time_point not_before);
  void OnResponse(std::shared_ptr<Pending> call, Result<net::HttpResponse> result);

  const SqsConfig config_;
  const std::shared_ptr<auth::CredentialProvider> credentials_;
  const std::shared_ptr<net::HttpClient> http_;
  mutable Mutex counts_mu_;
  std::map<std::string, uint64_t> request_counts_ GUARDED_BY(counts_mu_);
};

// A queue's name from its URL, for messages ("jobs" of .../123456789012/jobs).
std::string QueueNameOf(const std::string& url);

// Maps an SQS error answer (JSON or the query protocol's XML) to a Status whose
// code decides retries; the message names `action` and `queue`.
Status SqsErrorFromResponse(const net::HttpResponse& response, const std::string& action,
                            const std::string& queue, const std::string& endpoint);

}  // namespace ferry::queue
