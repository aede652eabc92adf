#include "service/notifier.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "auth/chain.h"
#include "auth/sigv4.h"
#include "net/url.h"
#include "service/task_json.h"

namespace ferry::service {
namespace {

using nlohmann::json;

constexpr size_t kMaxFailuresSent = 50;  // SNS messages are at most 256 KiB

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// arn:aws:sns:REGION:ACCOUNT:NAME -> REGION
std::string ArnRegion(const std::string& arn) {
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    start = arn.find(':', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  const size_t end = arn.find(':', start);
  return end == std::string::npos ? std::string() : arn.substr(start, end - start);
}

Status CheckResponse(const Result<net::HttpResponse>& response, const std::string& what) {
  if (!response.ok()) return Status(response.error()).Context(what);
  if (response->status < 200 || response->status > 299) {
    return Status::Unavailable(what + " answered HTTP " + std::to_string(response->status),
                               "the URL and that the receiver accepts a JSON POST");
  }
  return Status::OK();
}

}  // namespace

json RunEndedMessage(const Task& task, const Run& run) {
  json failures = json::array();
  for (const auto& f : run.progress.failures) {
    if (failures.size() >= kMaxFailuresSent) break;
    failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
  }
  return {{"event", run.state == RunState::kFailed ? "run.failed" : "run.objects_failed"},
          {"task_id", task.id},
          {"task_name", task.spec.name},
          {"run_id", run.id},
          {"run_number", run.number},
          {"state", RunStateName(run.state)},
          {"error", run.error},
          {"copied", run.progress.objects_done},
          {"bytes", run.progress.bytes_done},
          {"failed", run.progress.failed},
          {"failures", failures}};
}

Notifier::Notifier(CredentialStore& credentials, TaskStore& tasks)
    : credentials_(credentials), tasks_(tasks), http_(std::make_shared<net::HttpClient>()) {}

void Notifier::RunEnded(const Task& task, const Run& run) {
  const bool worth_telling = run.state == RunState::kFailed ||
                             (run.state == RunState::kCompleted && run.progress.failed > 0);
  const NotifySpec& n = task.spec.notify;
  if (!worth_telling || (n.webhook.empty() && n.sns_topic_arn.empty())) return;
  const std::string body = Dump(RunEndedMessage(task, run));
  auto report = [&](const std::string& where, const Status& st) {
    const std::string message =
        st.ok() ? "notified " + where : "could not notify " + where + ": " + st.ToString();
    (void)tasks_.AppendLog(task.id, run.id, st.ok() ? "info" : "warning", message);
    if (!st.ok()) spdlog::warn("task {}: {}", task.id, message);
  };
  if (!n.webhook.empty()) report("the webhook", PostWebhook(n.webhook, body));
  if (!n.sns_topic_arn.empty()) {
    const std::string subject = "ferry: task " + task.spec.name.substr(0, 60) + " run " +
                                std::to_string(run.number) + " " +
                                (run.state == RunState::kFailed ? "failed" : "had failures");
    report("SNS topic " + n.sns_topic_arn, PublishSns(n, subject, body));
  }
}

Status Notifier::PostWebhook(const std::string& url, const std::string& body) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "ferry"}};
  req.total_timeout = std::chrono::seconds(10);
  // Logged and shown on the task: never the URL's user information or query.
  return CheckResponse(http_->Send(std::move(req)), "the webhook " + RedactUrl(url));
}

Status Notifier::PublishSns(const NotifySpec& n, const std::string& subject,
                            const std::string& body) {
  const std::string region = n.sns_region.empty() ? ArnRegion(n.sns_topic_arn) : n.sns_region;
  std::string endpoint = n.sns_endpoint;
  if (endpoint.empty()) endpoint = "https://sns." + region + ".amazonaws.com";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  auth::Credentials creds;
  if (!n.sns_credential.empty()) {
    auto stored = credentials_.Get(n.sns_credential);
    if (!stored.ok()) return std::move(stored).take_error();
    creds = std::move(*stored);
  } else {
    auth::ChainOptions options;
    options.http = http_;
    auto chain = auth::MakeDefaultChain(options);
    if (!chain.ok()) return std::move(chain).take_error();
    auto got = (*chain)->Get();
    if (!got.ok()) return std::move(got).take_error();
    creds = std::move(*got);
  }
  const std::string form = "Action=Publish&Version=2010-03-31&TopicArn=" +
                           net::UriEncode(n.sns_topic_arn, false) +
                           "&Subject=" + net::UriEncode(subject, false) +
                           "&Message=" + net::UriEncode(body, false);
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint + "/";
  req.body = form;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.total_timeout = std::chrono::seconds(10);
  auth::SigningParams params;
  params.region = region;
  params.service = "sns";
  params.now = std::chrono::system_clock::now();
  FERRY_RETURN_IF_ERROR(auth::SignRequest(req, creds, params));
  auto response = http_->Send(std::move(req));
  if (response.ok() && (response->status < 200 || response->status > 299)) {
    return Status::Unavailable("SNS Publish to " + n.sns_topic_arn + " answered HTTP " +
                                   std::to_string(response->status),
                               "the topic ARN, its region and the credential's sns:Publish "
                               "permission");
  }
  return CheckResponse(response, "SNS Publish to " + n.sns_topic_arn);
}

}  // namespace ferry::service
