#include "fleet/fleet_queues.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "events/notification_setup.h"

namespace ferry::fleet {

std::pair<std::string, int> ParseRedrivePolicy(const std::string& policy) {
  auto j = nlohmann::json::parse(policy, nullptr, false);
  if (!j.is_object()) return {"", 0};
  std::string arn;
  if (auto it = j.find("deadLetterTargetArn"); it != j.end() && it->is_string()) arn = *it;
  int count = 0;
  if (auto it = j.find("maxReceiveCount"); it != j.end()) {
    if (it->is_number_integer()) count = it->get<int>();
    if (it->is_string()) count = std::atoi(it->get<std::string>().c_str());
  }
  const size_t colon = arn.rfind(':');
  return {colon == std::string::npos ? arn : arn.substr(colon + 1), count};
}

Result<FleetQueues> OpenFleetQueues(queue::SqsClient& sqs, const queue::QueueAddress& work,
                                    const QueueCreation& creation, std::stop_token stop) {
  FleetQueues q;
  q.work_url = work.url;
  if (creation.create) {
    // The work queue and its dead-letter queue, as a watch's queue is made (no
    // bucket policy: the planner sends, not S3).
    auto url = events::EnsureEventQueue(
        sqs, work, {creation.max_receive_count, creation.visibility_timeout, ""}, stop);
    if (!url.ok()) return std::move(url).take_error();
  }
  auto attributes = sqs.GetQueueAttributes(work.url, {"RedrivePolicy", "VisibilityTimeout"}, stop);
  if (!attributes.ok()) {
    Status st = std::move(attributes).take_error().Context("the work queue");
    if (st.code() == Code::kNotFound) {
      return std::move(st).WithHint("the queue URL, or pass --create-queues to create the "
                                    "work, results and dead-letter queues");
    }
    return st;
  }
  if (auto it = attributes->find("VisibilityTimeout"); it != attributes->end()) {
    q.visibility_timeout = std::atoi(it->second.c_str());
  }
  if (auto it = attributes->find("RedrivePolicy"); it != attributes->end()) {
    auto [dlq_name, count] = ParseRedrivePolicy(it->second);
    q.max_receive_count = count;
    if (!dlq_name.empty()) {
      auto dlq = sqs.GetQueueUrl(dlq_name, stop);
      if (dlq.ok()) {
        q.dlq_url = *dlq;
      } else {
        spdlog::warn("the work queue's dead-letter queue {} cannot be reached: {}", dlq_name,
                     dlq.error().ToString());
      }
    }
  }
  const std::string results_name = work.name.ends_with(".fifo")
                                       ? work.name.substr(0, work.name.size() - 5) +
                                             "-results.fifo"
                                       : work.name + "-results";
  auto results = sqs.GetQueueUrl(results_name, stop);
  if (!results.ok() && results.error().code() == Code::kNotFound && creation.create) {
    results = sqs.CreateQueue(results_name, {{"VisibilityTimeout", "60"}}, stop);
    if (results.ok()) spdlog::info("created results queue {}", *results);
  }
  if (!results.ok()) {
    Status st = std::move(results).take_error().Context("the results queue " + results_name);
    if (st.code() == Code::kNotFound) {
      return std::move(st).WithHint("pass --create-queues, or create " + results_name +
                                    " beside the work queue");
    }
    return st;
  }
  q.results_url = *results;
  return q;
}

}  // namespace ferry::fleet
