#include "events/notification_setup.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

namespace ferry::events {
namespace {

constexpr char kNotificationId[] = "ferry-watch";

std::string SendPolicy(const std::string& queue_arn, const std::string& bucket) {
  nlohmann::json policy = {
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Sid", "ferry-s3-events"},
         {"Effect", "Allow"},
         {"Principal", {{"Service", "s3.amazonaws.com"}}},
         {"Action", "sqs:SendMessage"},
         {"Resource", queue_arn},
         {"Condition", {{"ArnLike", {{"aws:SourceArn", "arn:aws:s3:::" + bucket}}}}}}}}};
  return policy.dump();
}

}  // namespace

Result<std::string> EnsureEventQueue(queue::SqsClient& sqs, const queue::QueueAddress& address,
                                     const QueueSetup& setup, std::stop_token stop) {
  // The dead-letter queue first: the redrive policy names its ARN.
  queue::QueueAddress dlq = address;
  dlq.name = address.name + "-dlq";
  if (address.name.ends_with(".fifo")) {
    dlq.name = address.name.substr(0, address.name.size() - 5) + "-dlq.fifo";
  }
  auto dlq_url = sqs.GetQueueUrl(dlq.name, stop);
  if (!dlq_url.ok()) {
    if (dlq_url.error().code() != Code::kNotFound) return std::move(dlq_url).take_error();
    // Two weeks: time to look at what failed.
    dlq_url = sqs.CreateQueue(dlq.name, {{"MessageRetentionPeriod", "1209600"}}, stop);
    if (!dlq_url.ok()) return std::move(dlq_url).take_error();
    spdlog::info("created dead-letter queue {}", *dlq_url);
  }
  auto dlq_attributes = sqs.GetQueueAttributes(*dlq_url, {"QueueArn"}, stop);
  if (!dlq_attributes.ok()) return std::move(dlq_attributes).take_error();
  const std::string dlq_arn =
      dlq_attributes->contains("QueueArn") ? dlq_attributes->at("QueueArn") : dlq.Arn();
  const std::string redrive = nlohmann::json{{"deadLetterTargetArn", dlq_arn},
                                             {"maxReceiveCount", setup.max_receive_count}}
                                  .dump();

  auto url = sqs.GetQueueUrl(address.name, stop);
  if (!url.ok()) {
    if (url.error().code() != Code::kNotFound) return std::move(url).take_error();
    std::map<std::string, std::string> attributes = {
        {"VisibilityTimeout", std::to_string(setup.visibility_timeout)},
        {"RedrivePolicy", redrive}};
    if (!setup.source_bucket.empty()) {
      attributes["Policy"] = SendPolicy(address.Arn(), setup.source_bucket);
    }
    url = sqs.CreateQueue(address.name, attributes, stop);
    if (!url.ok()) return std::move(url).take_error();
    spdlog::info("created queue {} (dead-letter queue {} after {} receives)", *url, dlq.name,
                 setup.max_receive_count);
    return url;
  }
  // The queue exists: add what it lacks, change nothing it has.
  auto attributes = sqs.GetQueueAttributes(*url, {"RedrivePolicy", "Policy"}, stop);
  if (!attributes.ok()) return std::move(attributes).take_error();
  std::map<std::string, std::string> missing;
  if (!attributes->contains("RedrivePolicy")) missing["RedrivePolicy"] = redrive;
  if (!setup.source_bucket.empty() && !attributes->contains("Policy")) {
    missing["Policy"] = SendPolicy(address.Arn(), setup.source_bucket);
  } else if (!setup.source_bucket.empty() &&
             attributes->at("Policy").find("arn:aws:s3:::" + setup.source_bucket) ==
                 std::string::npos) {
    spdlog::warn("queue {} has an access policy that does not name bucket {}: make sure it lets "
                 "s3.amazonaws.com call sqs:SendMessage for that bucket",
                 address.name, setup.source_bucket);
  }
  if (!missing.empty()) FERRY_RETURN_IF_ERROR(sqs.SetQueueAttributes(*url, missing, stop));
  return url;
}

Status SetupBucketNotification(s3::S3Client& s3, const std::string& bucket,
                               const std::string& prefix, const std::string& queue_arn,
                               bool removals, std::stop_token stop) {
  s3::S3Request get;
  get.op = "GetBucketNotificationConfiguration";
  get.action = "s3:GetBucketNotification";
  get.bucket = bucket;
  get.query = {{"notification", ""}};
  auto current = s3.Execute(std::move(get), stop);
  if (!current.ok()) return std::move(current).take_error();

  // The configuration as it is (S3 names its root NotificationConfiguration;
  // moto, GetBucketNotificationResponse): every entry but ours is kept.
  pugi::xml_document current_doc;
  pugi::xml_node current_root;
  if (!current->body.empty() &&
      current_doc.load_buffer(current->body.data(), current->body.size())) {
    current_root = current_doc.document_element();
  }
  pugi::xml_document doc;
  pugi::xml_node config = doc.append_child("NotificationConfiguration");
  config.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (pugi::xml_node entry : current_root.children()) {
    if (entry.type() != pugi::node_element) continue;
    const bool ours = std::string(entry.name()) == "QueueConfiguration" &&
                      (std::string(entry.child_value("Queue")) == queue_arn ||
                       std::string(entry.child_value("Id")) == kNotificationId);
    if (!ours) config.append_copy(entry);
  }
  pugi::xml_node q = config.append_child("QueueConfiguration");
  q.append_child("Id").text() = kNotificationId;
  q.append_child("Queue").text() = queue_arn.c_str();
  q.append_child("Event").text() = "s3:ObjectCreated:*";
  if (removals) q.append_child("Event").text() = "s3:ObjectRemoved:*";
  if (!prefix.empty()) {
    pugi::xml_node rule = q.append_child("Filter").append_child("S3Key").append_child("FilterRule");
    rule.append_child("Name").text() = "prefix";
    rule.append_child("Value").text() = prefix.c_str();
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  const std::string body = out.str();
  spdlog::debug("bucket {} notification configuration: {}", bucket, body);

  s3::S3Request put;
  put.op = "PutBucketNotificationConfiguration";
  put.action = "s3:PutBucketNotification";
  put.method = "PUT";
  put.bucket = bucket;
  put.query = {{"notification", ""}};
  put.headers = {{"Content-Type", "application/xml"}};
  put.body = body;
  auto answer = s3.Execute(std::move(put), stop);
  if (!answer.ok()) {
    return std::move(answer).take_error().Context(
        "sending the events of s3://" + bucket + "/" + prefix + " to " + queue_arn);
  }
  return Status::OK();
}

}  // namespace ferry::events
