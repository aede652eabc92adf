// Plain values of the S3 API, decoded: keys are raw bytes, never URL-encoded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::s3 {

struct ObjectSummary {
  std::string key;
  uint64_t size = 0;
  std::string last_modified;  // ISO 8601 as the service sent it, e.g. 2026-11-24T16:02:08.000Z
  std::string etag;           // with quotes stripped
  std::string storage_class;
};

struct ListObjectsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string start_after;
  std::string continuation_token;
  int max_keys = 1000;
};

struct ListObjectsPage {
  std::vector<ObjectSummary> objects;
  std::vector<std::string> common_prefixes;
  std::string next_continuation_token;  // empty when this is the last page
  bool is_truncated = false;
};

struct ObjectVersion {
  std::string key;
  std::string version_id;
  bool is_latest = false;
  bool is_delete_marker = false;
  uint64_t size = 0;
  std::string last_modified;
  std::string etag;
  std::string storage_class;
};

struct ListVersionsRequest {
  std::string bucket;
  std::string prefix;
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 1000;
};

struct ListVersionsPage {
  std::vector<ObjectVersion> versions;  // delete markers included, flagged
  std::string next_key_marker;
  std::string next_version_id_marker;
  bool is_truncated = false;
};

// The headers that describe an object's content and travel with it on a copy.
struct ContentHeaders {
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix
};

// What HEAD and GET return about an object.
struct ObjectHead {
  uint64_t size = 0;  // whole object (Content-Range total for ranged requests)
  uint64_t content_length = 0;  // bytes in this response (the part, for ?partNumber=N)
  std::string etag;
  std::string last_modified;  // HTTP date as sent
  ContentHeaders content;
  std::string storage_class;
  std::string version_id;
  std::string checksum_crc32c;
  std::string sse;                     // x-amz-server-side-encryption
  std::optional<int> parts_count;      // x-amz-mp-parts-count (HEAD ?partNumber=N)
};

// Options of a write (PUT, CreateMultipartUpload, CopyObject with REPLACE).
struct WriteOptions {
  ContentHeaders content;
  std::string storage_class;
  std::string acl;                  // canned ACL
  std::string sse;                  // AES256 | aws:kms
  std::string sse_kms_key_id;
  std::string tagging;              // URL-encoded query form "k=v&k2=v2"
  std::string content_md5;          // base64; set by the caller that has the bytes
  std::string checksum_crc32c;      // base64
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
  std::string checksum_crc32c;
};

struct PartInfo {
  int part_number = 0;
  uint64_t size = 0;
  std::string etag;
};

struct MultipartUpload {
  std::string key;
  std::string upload_id;
  std::string initiated;
};

struct ListPartsPage {
  std::vector<PartInfo> parts;
  int next_part_number_marker = 0;
  bool is_truncated = false;
};

struct ListUploadsPage {
  std::vector<MultipartUpload> uploads;
  std::string next_key_marker;
  std::string next_upload_id_marker;
  bool is_truncated = false;
};

struct Tag {
  std::string key;
  std::string value;
};

struct DeleteResult {
  std::vector<std::string> deleted;
  std::vector<std::pair<std::string, std::string>> errors;  // key, "Code: Message"
};

}  // namespace ferry::s3
