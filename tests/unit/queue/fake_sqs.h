// A fake SQS endpoint for unit tests of the queue layer: a LoopbackServer that
// answers the JSON protocol for one queue in memory, records every call, and
// can be told to fail the next calls.
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/static_provider.h"
#include "unit/net/loopback_server.h"
#include "queue/sqs_client.h"

namespace ferry::testing {

class FakeSqs {
 public:
  FakeSqs() {
    server_.Handle([this](const std::string& head, const std::string& body) {
      LoopbackServer::Reply reply = Answer(head, body);
      // An empty long poll waits a little, as a real one would, instead of spinning.
      if (reply.body.find("\"Messages\":[]") != std::string::npos) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return reply;
    });
  }

  std::string endpoint() const { return server_.url(""); }
  std::string queue_url() const { return server_.url("/123456789012/jobs"); }

  std::unique_ptr<queue::SqsClient> Client() {
    auto creds = std::make_shared<auth::StaticProvider>(
        auth::Credentials{"AKIDTEST", "secret", "", std::nullopt}, "test keys");
    queue::SqsConfig config{endpoint(), "us-east-1"};
    config.retry.base = std::chrono::milliseconds(1);
    config.retry.cap = std::chrono::milliseconds(5);
    return queue::SqsClient::Create(config, creds, http_).value();
  }

  // The next `n` calls answer `status` with `type`.
  void FailNext(int n, int status, std::string type) {
    std::lock_guard lock(mu_);
    fail_count_ = n;
    fail_status_ = status;
    fail_type_ = std::move(type);
  }
  // Entries of SendMessageBatch whose body contains `marker` fail (not the sender's fault) `n` times.
  void FailEntries(std::string marker, int n) {
    std::lock_guard lock(mu_);
    entry_marker_ = std::move(marker);
    entry_failures_ = n;
  }

  std::vector<std::string> actions() {
    std::lock_guard lock(mu_);
    return actions_;
  }
  std::vector<nlohmann::json> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  void Push(std::string body) {
    std::lock_guard lock(mu_);
    bodies_.push_back(std::move(body));
  }
  std::string last_head() { return server_.last_head(); }
  // Visibility timeouts asked for, by receipt handle, in order.
  std::vector<std::pair<std::string, int>> visibility_changes() {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, int>> out;
    for (size_t i = 0; i < actions_.size(); ++i) {
      if (actions_[i] != "ChangeMessageVisibilityBatch") continue;
      for (const auto& e : requests_[i]["Entries"]) {
        out.emplace_back(e["ReceiptHandle"], e["VisibilityTimeout"]);
      }
    }
    return out;
  }
  // Receipt handles deleted, in order.
  std::vector<std::string> deleted() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (size_t i = 0; i < actions_.size(); ++i) {
      if (actions_[i] != "DeleteMessageBatch") continue;
      for (const auto& e : requests_[i]["Entries"]) out.push_back(e["ReceiptHandle"]);
    }
    return out;
  }
  // Messages still waiting to be received.
  size_t waiting() {
    std::lock_guard lock(mu_);
    return bodies_.size();
  }

 private:
  LoopbackServer::Reply Answer(const std::string& head, const std::string& body) {
    std::lock_guard lock(mu_);
    std::string lower = head;
    for (auto& c : lower) c = static_cast<char>(tolower(c));
    const auto at = lower.find("x-amz-target: amazonsqs.");
    std::string action;
    if (at != std::string::npos) {
      const auto start = at + 24;
      action = head.substr(start, head.find("\r\n", start) - start);
    }
    actions_.push_back(action);
    auto request = nlohmann::json::parse(body, nullptr, false);
    requests_.push_back(request);
    if (fail_count_ > 0) {
      --fail_count_;
      return {fail_status_, "Content-Type: application/x-amz-json-1.0\r\n",
              nlohmann::json{{"__type", "com.amazonaws.sqs#" + fail_type_}, {"message", "no"}}
                  .dump()};
    }
    nlohmann::json out = nlohmann::json::object();
    if (action == "SendMessageBatch") {
      out["Successful"] = nlohmann::json::array();
      out["Failed"] = nlohmann::json::array();
      for (const auto& e : request["Entries"]) {
        const std::string text = e["MessageBody"];
        if (!entry_marker_.empty() && entry_failures_ > 0 &&
            text.find(entry_marker_) != std::string::npos) {
          --entry_failures_;
          out["Failed"].push_back({{"Id", e["Id"]}, {"Code", "InternalError"},
                                   {"Message", "try again"}, {"SenderFault", false}});
          continue;
        }
        bodies_.push_back(text);
        out["Successful"].push_back({{"Id", e["Id"]}, {"MessageId", "m"}});
      }
    } else if (action == "ReceiveMessage") {
      out["Messages"] = nlohmann::json::array();
      int n = 0;
      while (!bodies_.empty() && n < request.value("MaxNumberOfMessages", 1)) {
        out["Messages"].push_back({{"MessageId", "id" + std::to_string(++received_)},
                                   {"ReceiptHandle", "rh" + std::to_string(received_)},
                                   {"Body", bodies_.front()},
                                   {"Attributes", {{"ApproximateReceiveCount", "3"},
                                                   {"SentTimestamp", "1700000000000"}}}});
        bodies_.erase(bodies_.begin());
        ++n;
      }
    } else if (action == "GetQueueAttributes") {
      out["Attributes"] = {{"QueueArn", "arn:aws:sqs:us-east-1:123456789012:jobs"}};
    } else if (action == "CreateQueue" || action == "GetQueueUrl") {
      out["QueueUrl"] = server_.url("/123456789012/" + request.value("QueueName", std::string()));
    } else if (action == "DeleteMessageBatch" || action == "ChangeMessageVisibilityBatch") {
      out["Successful"] = nlohmann::json::array();
      for (const auto& e : request["Entries"]) out["Successful"].push_back({{"Id", e["Id"]}});
    }
    return {200, "Content-Type: application/x-amz-json-1.0\r\n", out.dump()};
  }

  LoopbackServer server_;
  std::shared_ptr<net::HttpClient> http_ = std::make_shared<net::HttpClient>();
  std::mutex mu_;
  std::vector<std::string> actions_;
  std::vector<nlohmann::json> requests_;
  std::vector<std::string> bodies_;  // the queue
  int received_ = 0;
  int fail_count_ = 0;
  int fail_status_ = 500;
  std::string fail_type_;
  std::string entry_marker_;
  int entry_failures_ = 0;
};

}  // namespace ferry::testing
