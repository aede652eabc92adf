#include "queue/sqs_client.h"

#include <spdlog/spdlog.h>

#include <future>

#include "auth/sigv4.h"
#include "net/url.h"

namespace ferry::queue {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string StringOf(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<BatchFailure> FailuresOf(const json& answer) {
  std::vector<BatchFailure> failures;
  auto it = answer.find("Failed");
  if (it == answer.end() || !it->is_array()) return failures;
  for (const auto& f : *it) {
    if (!f.is_object()) continue;
    BatchFailure failure;
    failure.id = StringOf(f, "Id");
    failure.code = StringOf(f, "Code");
    failure.message = StringOf(f, "Message");
    auto fault = f.find("SenderFault");
    failure.sender_fault = fault != f.end() && fault->is_boolean() && fault->get<bool>();
    failures.push_back(std::move(failure));
  }
  return failures;
}

json ReceiptEntries(const std::vector<ReceiptEntry>& entries, bool with_visibility) {
  json list = json::array();
  for (const auto& e : entries) {
    json entry = {{"Id", e.id}, {"ReceiptHandle", e.receipt_handle}};
    if (with_visibility) entry["VisibilityTimeout"] = e.visibility_timeout;
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace

// The state of one logical call across its attempts.
struct SqsClient::Pending {
  std::string action;
  std::string body;
  std::string queue;  // for messages
  Callback done;
  std::stop_token stop;
  std::chrono::milliseconds total_timeout{0};
  auth::Credentials credentials;
  int attempt = 0;
};

Result<std::unique_ptr<SqsClient>> SqsClient::Create(
    SqsConfig config, std::shared_ptr<auth::CredentialProvider> credentials,
    std::shared_ptr<net::HttpClient> http) {
  auto url = net::ParseUrl(config.endpoint);
  if (!url.ok()) {
    return Status::InvalidArgument("SQS endpoint '" + config.endpoint + "' is not a URL",
                                   "the queue URL or --queue-endpoint");
  }
  config.endpoint = url->Origin();
  if (config.region.empty()) config.region = "us-east-1";
  return std::unique_ptr<SqsClient>(
      new SqsClient(std::move(config), std::move(credentials), std::move(http)));
}

SqsClient::SqsClient(SqsConfig config, std::shared_ptr<auth::CredentialProvider> credentials,
                     std::shared_ptr<net::HttpClient> http)
    : config_(std::move(config)), credentials_(std::move(credentials)), http_(std::move(http)) {}

std::map<std::string, uint64_t> SqsClient::RequestCounts() const {
  MutexLock lock(counts_mu_);
  return request_counts_;
}

void SqsClient::CallAsync(std::string action, json request, Callback done, std::stop_token stop,
                          std::chrono::milliseconds total_timeout) {
  auto call = std::make_shared<Pending>();
  call->action = std::move(action);
  call->queue = QueueNameOf(StringOf(request, "QueueUrl"));
  call->body = request.dump(-1, ' ', false, json::error_handler_t::replace);
  call->done = std::move(done);
  call->stop = std::move(stop);
  call->total_timeout = total_timeout;
  auto creds = credentials_->Get(call->stop);
  if (!creds.ok()) {
    call->done(std::move(creds).take_error().Context("credentials for SQS " + call->action));
    return;
  }
  call->credentials = std::move(*creds);
  Attempt(std::move(call), {});
}

void SqsClient::Attempt(std::shared_ptr<Pending> call, Clock::time_point not_before) {
  ++call->attempt;
  {
    MutexLock lock(counts_mu_);
    ++request_counts_[call->action];
  }
  net::HttpRequest req;
  req.method = "POST";
  req.url = config_.endpoint + "/";
  req.body = call->body;  // lives in `call` until the callback
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                 {"X-Amz-Target", "AmazonSQS." + call->action}};
  req.total_timeout = call->total_timeout;
  if (!call->credentials.empty()) {
    Status signed_ok = auth::SignRequest(
        req, call->credentials, {config_.region, "sqs", std::chrono::system_clock::now(), ""});
    if (!signed_ok.ok()) {
      call->done(std::move(signed_ok));
      return;
    }
  }
  std::stop_token stop = call->stop;
  http_->Start(
      std::move(req),
      [this, call](Result<net::HttpResponse> r) { OnResponse(call, std::move(r)); },
      std::move(stop), not_before);
}

void SqsClient::OnResponse(std::shared_ptr<Pending> call, Result<net::HttpResponse> result) {
  Status error;
  if (!result.ok()) {
    error = std::move(result).take_error().Context("SQS " + call->action + " at " +
                                                   config_.endpoint);
  } else if (result->status >= 200 && result->status < 300) {
    json answer = result->body.empty() ? json::object()
                                       : json::parse(result->body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) {
      call->done(Status(Code::kUnavailable,
                        "SQS " + call->action + " at " + config_.endpoint +
                            " answered something that is not a JSON object",
                        "that the endpoint is an SQS service speaking the JSON protocol"));
      return;
    }
    call->done(std::move(answer));
    return;
  } else {
    error = SqsErrorFromResponse(*result, call->action, call->queue, config_.endpoint);
  }
  if (error.IsRetryable() && call->attempt < config_.retry.max_attempts &&
      !call->stop.stop_requested()) {
    const auto delay = FullJitterDelay(config_.retry, call->attempt);
    spdlog::debug("SQS {}: attempt {} failed ({}), retrying in {} ms", call->action,
                  call->attempt, error.ToString(), delay.count());
    Attempt(std::move(call), Clock::now() + delay);
    return;
  }
  call->done(std::move(error));
}

Result<json> SqsClient::Call(const std::string& action, const json& request,
                             std::stop_token stop, std::chrono::milliseconds total_timeout) {
  auto run = [&] {
    std::promise<Result<json>> promise;
    auto future = promise.get_future();
    CallAsync(
        action, request, [&promise](Result<json> r) { promise.set_value(std::move(r)); }, stop,
        total_timeout);
    return future.get();
  };
  auto result = run();
  if (!result.ok() && result.error().code() == Code::kUnauthenticated &&
      credentials_->Invalidate()) {
    spdlog::info("credentials from {} were rejected by SQS; re-reading them",
                 credentials_->Describe());
    result = run();
  }
  return result;
}

Result<std::string> SqsClient::CreateQueue(const std::string& name,
                                           const std::map<std::string, std::string>& attributes,
                                           std::stop_token stop) {
  json request = {{"QueueName", name}};
  if (!attributes.empty()) request["Attributes"] = attributes;
  auto answer = Call("CreateQueue", request, stop);
  if (!answer.ok()) return std::move(answer).take_error().Context("creating queue '" + name + "'");
  std::string url = StringOf(*answer, "QueueUrl");
  if (url.empty()) return Status::Unavailable("SQS CreateQueue answered without a QueueUrl");
  return url;
}

Result<std::string> SqsClient::GetQueueUrl(const std::string& name, std::stop_token stop) {
  auto answer = Call("GetQueueUrl", {{"QueueName", name}}, stop);
  if (!answer.ok()) return std::move(answer).take_error();
  std::string url = StringOf(*answer, "QueueUrl");
  if (url.empty()) return Status::Unavailable("SQS GetQueueUrl answered without a QueueUrl");
  return url;
}

Status SqsClient::DeleteQueue(const std::string& url, std::stop_token stop) {
  auto answer = Call("DeleteQueue", {{"QueueUrl", url}}, stop);
  return answer.ok() ? Status::OK() : std::move(answer).take_error();
}

Result<std::map<std::string, std::string>> SqsClient::GetQueueAttributes(
    const std::string& url, const std::vector<std::string>& names, std::stop_token stop) {
  json request = {{"QueueUrl", url},
                  {"AttributeNames", names.empty() ? std::vector<std::string>{"All"} : names}};
  auto answer = Call("GetQueueAttributes", request, stop);
  if (!answer.ok()) return std::move(answer).take_error();
  std::map<std::string, std::string> attributes;
  if (auto it = answer->find("Attributes"); it != answer->end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) {
      if (value.is_string()) attributes[name] = value.get<std::string>();
    }
  }
  return attributes;
}

Status SqsClient::SetQueueAttributes(const std::string& url,
                                     const std::map<std::string, std::string>& attributes,
                                     std::stop_token stop) {
  auto answer = Call("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", attributes}}, stop);
  return answer.ok() ? Status::OK() : std::move(answer).take_error();
}

Result<std::vector<BatchFailure>> SqsClient::SendMessageBatch(
    const std::string& url, const std::vector<SendEntry>& entries, std::stop_token stop) {
  json list = json::array();
  for (const auto& e : entries) {
    json entry = {{"Id", e.id}, {"MessageBody", e.body}};
    if (e.delay_seconds > 0) entry["DelaySeconds"] = e.delay_seconds;
    list.push_back(std::move(entry));
  }
  auto answer = Call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", list}}, stop);
  if (!answer.ok()) return std::move(answer).take_error();
  return FailuresOf(*answer);
}

Result<std::vector<SqsMessage>> SqsClient::ReceiveMessage(const std::string& url,
                                                          const ReceiveOptions& options,
                                                          std::stop_token stop) {
  json request = {{"QueueUrl", url},
                  {"MaxNumberOfMessages", options.max_messages},
                  {"WaitTimeSeconds", options.wait_seconds},
                  {"MessageSystemAttributeNames", {"ApproximateReceiveCount", "SentTimestamp"}},
                  // Older services read only the deprecated name.
                  {"AttributeNames", {"ApproximateReceiveCount", "SentTimestamp"}}};
  if (options.visibility_timeout >= 0) request["VisibilityTimeout"] = options.visibility_timeout;
  auto answer = Call("ReceiveMessage", request, stop,
                     std::chrono::seconds(options.wait_seconds + 30));
  if (!answer.ok()) return std::move(answer).take_error();
  std::vector<SqsMessage> messages;
  auto it = answer->find("Messages");
  if (it == answer->end() || !it->is_array()) return messages;
  for (const auto& m : *it) {
    if (!m.is_object()) continue;
    SqsMessage message;
    message.id = StringOf(m, "MessageId");
    message.receipt_handle = StringOf(m, "ReceiptHandle");
    message.body = StringOf(m, "Body");
    if (auto a = m.find("Attributes"); a != m.end() && a->is_object()) {
      const std::string count = StringOf(*a, "ApproximateReceiveCount");
      const std::string sent = StringOf(*a, "SentTimestamp");
      if (!count.empty()) message.receive_count = std::max(1, std::atoi(count.c_str()));
      if (!sent.empty()) message.sent_ms = std::atoll(sent.c_str());
    }
    if (message.receipt_handle.empty()) continue;  // nothing could acknowledge it
    messages.push_back(std::move(message));
  }
  return messages;
}

Result<std::vector<BatchFailure>> SqsClient::DeleteMessageBatch(
    const std::string& url, const std::vector<ReceiptEntry>& entries, std::stop_token stop) {
  auto answer = Call("DeleteMessageBatch",
                     {{"QueueUrl", url}, {"Entries", ReceiptEntries(entries, false)}}, stop);
  if (!answer.ok()) return std::move(answer).take_error();
  return FailuresOf(*answer);
}

Status SqsClient::ChangeMessageVisibility(const std::string& url,
                                          const std::string& receipt_handle,
                                          int visibility_timeout, std::stop_token stop) {
  auto answer = Call("ChangeMessageVisibility",
                     {{"QueueUrl", url},
                      {"ReceiptHandle", receipt_handle},
                      {"VisibilityTimeout", visibility_timeout}},
                     stop);
  return answer.ok() ? Status::OK() : std::move(answer).take_error();
}

Result<std::vector<BatchFailure>> SqsClient::ChangeMessageVisibilityBatch(
    const std::string& url, const std::vector<ReceiptEntry>& entries, std::stop_token stop) {
  auto answer = Call("ChangeMessageVisibilityBatch",
                     {{"QueueUrl", url}, {"Entries", ReceiptEntries(entries, true)}}, stop);
  if (!answer.ok()) return std::move(answer).take_error();
  return FailuresOf(*answer);
}

}  // namespace ferry::queue
