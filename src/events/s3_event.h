// S3 event notifications as they arrive on a queue: S3's own message
// ({"Records": [...]}), the same wrapped in an SNS notification (raw delivery
// off), an EventBridge event ("source": "aws.s3"), and s3:TestEvent, which S3
// sends when a notification configuration is set. Other services that emit the
// S3 format (MinIO, Ceph, OSS through a bridge) are read the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::events {

enum class EventKind {
  kCreated,  // ObjectCreated:* (Put, Post, Copy, CompleteMultipartUpload)
  kRemoved,  // ObjectRemoved:* (Delete, DeleteMarkerCreated), LifecycleExpiration:*
  kOther,    // restores, tagging, ACL changes...: nothing to replicate
};

struct ObjectEvent {
  EventKind kind = EventKind::kOther;
  std::string name;    // "ObjectCreated:Put", as the record says it
  std::string bucket;
  std::string key;     // decoded: S3 sends keys form-encoded ("a+b%2B" is "a b+")
  uint64_t size = 0;
  std::string etag;    // without quotes; empty for removals
  std::string sequencer;  // hexadecimal; empty when the record has none
  std::string version_id;
  std::string time;    // eventTime, ISO 8601
};

struct EventMessage {
  bool test_event = false;  // s3:TestEvent: nothing to do, consume it
  std::vector<ObjectEvent> records;
};

// Parses one message body. Errors (InvalidArgument): not JSON, or JSON in none
// of the known shapes, or a record without a bucket or key: such a message can
// never be handled and belongs in the dead-letter queue.
Result<EventMessage> ParseEventMessage(std::string_view body);

// Orders two sequencers of events on one key, as S3 documents it: the shorter
// is padded on the right with zeros, then the two compare as strings (hex
// digits, case-insensitively). <0, 0, >0.
int CompareSequencers(std::string_view a, std::string_view b);

}  // namespace ferry::events
