#include "events/s3_event.h"

#include <nlohmann/json.hpp>

#include <cctype>

#include "net/url.h"

namespace ferry::events {
namespace {

using nlohmann::json;

std::string StringAt(const json& j, std::initializer_list<const char*> path) {
  const json* node = &j;
  for (const char* key : path) {
    if (!node->is_object()) return {};
    auto it = node->find(key);
    if (it == node->end()) return {};
    node = &*it;
  }
  return node->is_string() ? node->get<std::string>() : std::string();
}

uint64_t NumberAt(const json& j, std::initializer_list<const char*> path) {
  const json* node = &j;
  for (const char* key : path) {
    if (!node->is_object()) return 0;
    auto it = node->find(key);
    if (it == node->end()) return 0;
    node = &*it;
  }
  if (node->is_number_unsigned()) return node->get<uint64_t>();
  if (node->is_number_integer()) return std::max<int64_t>(0, node->get<int64_t>());
  // Some emitters send the size as a string.
  if (node->is_string()) return std::strtoull(node->get<std::string>().c_str(), nullptr, 10);
  return 0;
}

std::string Unquote(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// "ObjectCreated:Put", "s3:ObjectRemoved:Delete", "Object Created" (EventBridge).
EventKind KindOf(std::string_view name) {
  if (name.rfind("s3:", 0) == 0) name.remove_prefix(3);
  if (name.rfind("ObjectCreated", 0) == 0 || name == "Object Created") return EventKind::kCreated;
  if (name.rfind("ObjectRemoved", 0) == 0 || name.rfind("LifecycleExpiration", 0) == 0 ||
      name == "Object Deleted") {
    return EventKind::kRemoved;
  }
  return EventKind::kOther;
}

Status Unreadable(const std::string& why) {
  return Status::InvalidArgument("the message is no S3 event notification: " + why,
                                 "what sends to the queue: S3 event notifications, directly or "
                                 "through SNS or EventBridge");
}

Result<EventMessage> FromS3Records(const json& doc) {
  EventMessage message;
  const json& records = doc["Records"];
  if (!records.is_array()) return Unreadable("\"Records\" is not an array");
  for (const json& r : records) {
    if (!r.is_object()) return Unreadable("a record is not a JSON object");
    ObjectEvent e;
    e.name = StringAt(r, {"eventName"});
    e.kind = KindOf(e.name);
    e.bucket = StringAt(r, {"s3", "bucket", "name"});
    const std::string raw_key = StringAt(r, {"s3", "object", "key"});
    if (e.bucket.empty() || raw_key.empty()) {
      return Unreadable("a record names no bucket or no key");
    }
    e.key = net::UriDecode(raw_key, /*plus_is_space=*/true);
    e.size = NumberAt(r, {"s3", "object", "size"});
    e.etag = Unquote(StringAt(r, {"s3", "object", "eTag"}));
    e.sequencer = StringAt(r, {"s3", "object", "sequencer"});
    e.version_id = StringAt(r, {"s3", "object", "versionId"});
    e.time = StringAt(r, {"eventTime"});
    message.records.push_back(std::move(e));
  }
  return message;
}

Result<EventMessage> FromEventBridge(const json& doc) {
  EventMessage message;
  const json& detail = doc["detail"];
  ObjectEvent e;
  e.name = StringAt(doc, {"detail-type"});
  e.kind = KindOf(e.name);
  e.bucket = StringAt(detail, {"bucket", "name"});
  // EventBridge carries keys as they are, not form-encoded.
  e.key = StringAt(detail, {"object", "key"});
  if (e.bucket.empty() || e.key.empty()) return Unreadable("the event names no bucket or no key");
  e.size = NumberAt(detail, {"object", "size"});
  e.etag = Unquote(StringAt(detail, {"object", "etag"}));
  e.sequencer = StringAt(detail, {"object", "sequencer"});
  e.version_id = StringAt(detail, {"object", "version-id"});
  e.time = StringAt(doc, {"time"});
  message.records.push_back(std::move(e));
  return message;
}

}  // namespace

Result<EventMessage> ParseEventMessage(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  // SNS wraps the event (raw message delivery off): the event is the Message string.
  for (int unwrap = 0; unwrap < 2 && doc.is_object(); ++unwrap) {
    if (StringAt(doc, {"Type"}) != "Notification" || !doc.contains("Message")) break;
    const std::string inner = StringAt(doc, {"Message"});
    doc = json::parse(inner, nullptr, false);
  }
  if (doc.is_discarded()) return Unreadable("not JSON");
  if (!doc.is_object()) return Unreadable("not a JSON object");
  if (StringAt(doc, {"Event"}) == "s3:TestEvent") return EventMessage{true, {}};
  if (doc.contains("Records")) return FromS3Records(doc);
  if (StringAt(doc, {"source"}) == "aws.s3" && doc.contains("detail")) {
    return FromEventBridge(doc);
  }
  return Unreadable("neither \"Records\" nor an EventBridge event from aws.s3");
}

int CompareSequencers(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = i < a.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])))
                                : '0';
    const char y = i < b.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(b[i])))
                                : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace ferry::events
