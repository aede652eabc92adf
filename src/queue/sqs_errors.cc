#include <pugixml.hpp>

#include <string_view>
#include <unordered_map>

#include "queue/sqs_client.h"

namespace ferry::queue {
namespace {

struct ErrorKind {
  Code code;
  const char* hint;
};

constexpr char kMissingQueueHint[] =
    "the queue URL; the queue must exist (ferry watch --create-queue and ferry sync --fleet "
    "--create-queues create theirs)";

// SQS error types, as the JSON protocol names them (without the
// "com.amazonaws.sqs#" prefix) and as the query protocol does.
const std::unordered_map<std::string_view, ErrorKind>& KnownErrors() {
  static const auto* table = new std::unordered_map<std::string_view, ErrorKind>{
      {"QueueDoesNotExist", {Code::kNotFound, kMissingQueueHint}},
      {"AWS.SimpleQueueService.NonExistentQueue", {Code::kNotFound, kMissingQueueHint}},
      {"QueueDeletedRecently", {Code::kFailedPrecondition,
                                "SQS refuses a queue name for 60 s after its deletion"}},
      {"AWS.SimpleQueueService.QueueDeletedRecently",
       {Code::kFailedPrecondition, "SQS refuses a queue name for 60 s after its deletion"}},
      {"QueueNameExists", {Code::kAlreadyExists, "a queue of that name exists with other "
                                                 "attributes"}},
      {"QueueAlreadyExists", {Code::kAlreadyExists, "a queue of that name exists with other "
                                                    "attributes"}},
      {"AccessDenied", {Code::kPermissionDenied, ""}},
      {"AccessDeniedException", {Code::kPermissionDenied, ""}},
      {"InvalidClientTokenId", {Code::kUnauthenticated, "the access key ID"}},
      {"UnrecognizedClientException", {Code::kUnauthenticated, "the access key ID"}},
      {"SignatureDoesNotMatch", {Code::kUnauthenticated, "the secret access key"}},
      {"InvalidSignatureException", {Code::kUnauthenticated, "the secret access key"}},
      {"IncompleteSignature", {Code::kUnauthenticated, "the credentials"}},
      {"MissingAuthenticationToken", {Code::kUnauthenticated, "the credentials"}},
      {"ExpiredToken", {Code::kUnauthenticated, "the temporary credentials have expired"}},
      {"InvalidSecurity", {Code::kUnauthenticated, "the request must use HTTPS"}},
      {"RequestExpired", {Code::kUnauthenticated, "the system clock of this machine"}},
      {"ThrottlingException", {Code::kResourceExhausted, "the request rate"}},
      {"RequestThrottled", {Code::kResourceExhausted, "the request rate"}},
      {"AWS.SimpleQueueService.RequestThrottled", {Code::kResourceExhausted, "the request rate"}},
      {"KmsThrottled", {Code::kResourceExhausted, "the KMS request rate"}},
      {"OverLimit", {Code::kResourceExhausted,
                     "the queue holds too many messages in flight (120,000 at most)"}},
      {"InternalError", {Code::kUnavailable, "the service status"}},
      {"InternalFailure", {Code::kUnavailable, "the service status"}},
      {"ServiceUnavailable", {Code::kUnavailable, "the service status"}},
      {"KmsAccessDenied", {Code::kPermissionDenied,
                           "the queue's KMS key policy allows kms:Decrypt and "
                           "kms:GenerateDataKey for these credentials"}},
      {"KmsDisabled", {Code::kFailedPrecondition, "the queue's KMS key is enabled"}},
      {"ReceiptHandleIsInvalid", {Code::kInvalidArgument, "the message was deleted or its "
                                                          "receipt handle expired"}},
      {"MessageTooLong", {Code::kInvalidArgument, "messages are at most the queue's "
                                                  "MaximumMessageSize"}},
      {"BatchRequestTooLong", {Code::kInvalidArgument, "a batch is at most 256 KiB"}},
      {"InvalidParameterValue", {Code::kInvalidArgument, "the request's values"}},
      {"InvalidAttributeName", {Code::kInvalidArgument, "the queue attribute names"}},
      {"InvalidAttributeValue", {Code::kInvalidArgument, "the queue attribute values"}},
  };
  return *table;
}

// "com.amazonaws.sqs#QueueDoesNotExist" -> "QueueDoesNotExist";
// "AWS.SimpleQueueService.NonExistentQueue;Sender" -> before the ';'.
std::string Bare(std::string type) {
  if (size_t hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
  if (size_t colon = type.find(':'); colon != std::string::npos) type.resize(colon);
  if (size_t semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  return type;
}

}  // namespace

std::string QueueNameOf(const std::string& url) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  const size_t slash = u.rfind('/');
  return slash == std::string::npos ? u : u.substr(slash + 1);
}

Status SqsErrorFromResponse(const net::HttpResponse& response, const std::string& action,
                            const std::string& queue, const std::string& endpoint) {
  std::string type, message;
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_object()) {
    if (auto it = doc.find("__type"); it != doc.end() && it->is_string()) type = *it;
    for (const char* field : {"message", "Message"}) {
      if (auto it = doc.find(field); it != doc.end() && it->is_string()) message = *it;
    }
  } else {
    // The query protocol (and some proxies) answer <ErrorResponse><Error><Code>.
    pugi::xml_document xml;
    if (!response.body.empty() && xml.load_buffer(response.body.data(), response.body.size())) {
      pugi::xml_node error = xml.child("ErrorResponse").child("Error");
      if (!error) error = xml.child("Error");
      type = error.child_value("Code");
      message = error.child_value("Message");
    }
  }
  // The legacy code, when given, is the more specific one.
  if (auto legacy = response.Header("x-amzn-query-error"); legacy && type.empty()) {
    type = std::string(*legacy);
  }
  type = Bare(type);
  const auto& table = KnownErrors();
  auto it = table.find(type);
  Code code;
  std::string hint;
  if (it != table.end()) {
    code = it->second.code;
    hint = it->second.hint;
  } else if (response.status == 429) {
    code = Code::kResourceExhausted;
  } else if (response.status >= 500) {
    code = Code::kUnavailable;
    hint = "the service status";
  } else if (response.status == 403) {
    code = Code::kPermissionDenied;
  } else if (response.status == 404) {
    code = Code::kNotFound;
    hint = "the queue URL and the SQS endpoint " + endpoint;
  } else {
    code = Code::kInvalidArgument;
  }
  const std::string where = queue.empty() ? endpoint : "queue '" + queue + "' at " + endpoint;
  std::string text;
  if (code == Code::kPermissionDenied && hint.empty()) {
    text = "access denied for SQS " + action + " on " + where;
    hint = "the credentials' policy allows sqs:" + action +
           (queue.empty() ? std::string() : " on queue '" + queue + "'");
  } else if (code == Code::kUnauthenticated) {
    text = "SQS " + action + " on " + where + " was refused: " +
           (message.empty() ? type : message);
    hint += ", and that the signing region matches the queue's";
  } else if (code == Code::kNotFound && !queue.empty()) {
    text = "queue '" + queue + "' does not exist at " + endpoint;
  } else {
    text = "SQS " + action + " on " + where + " failed: " +
           (message.empty() ? (type.empty() ? "HTTP " + std::to_string(response.status) : type)
                            : (type.empty() ? message : type + ": " + message));
  }
  if (type.empty()) type = "HTTP" + std::to_string(response.status);
  return Status(code, std::move(text), std::move(hint))
      .WithServiceCode(type, static_cast<int>(response.status));
}

}  // namespace ferry::queue
