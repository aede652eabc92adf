// Tells people when a run ends with objects that failed every attempt, or
// fails as a whole: a JSON POST to the task's webhook, and/or an Amazon SNS
// Publish (SigV4) to its topic. Delivery failures are logged on the task, never
// retried forever: a notification must not hold a worker.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "net/http_client.h"
#include "service/credential_store.h"
#include "service/task.h"
#include "service/task_store.h"

namespace ferry::service {

// The message sent: {"event", "task_id", "task_name", "run_id", "run_number", "state",
// "error", "copied", "bytes", "failed", "failures": [{"key", "attempts", "error"}]}.
nlohmann::json RunEndedMessage(const Task& task, const Run& run);

class Notifier {
 public:
  Notifier(CredentialStore& credentials, TaskStore& tasks);

  // Sends what the task asks for, if the run calls for it.
  void RunEnded(const Task& task, const Run& run);

 private:
  Status PostWebhook(const std::string& url, const std::string& body);
  Status PublishSns(const NotifySpec& notify, const std::string& subject,
                    const std::string& body);

  CredentialStore& credentials_;
  TaskStore& tasks_;
  std::shared_ptr<net::HttpClient> http_;
};

}  // namespace ferry::service
