// Between the S3 client's types and the store's, for S3Store's two files.
#pragma once

#include <string>

#include "core/time_format.h"
#include "net/url.h"
#include "s3/types.h"
#include "store/content_headers.h"
#include "store/object_store.h"

namespace ferry::store {

inline constexpr uint64_t kMaxSinglePartCopy = uint64_t{5} << 30;

inline bool IsMd5Hex(const std::string& etag) {
  return etag.size() == 32 &&
         etag.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

// The same fields on both sides; the store has its own type so that its interface
// needs nothing of the S3 client. A field added to one and not the other would be
// dropped here silently: the sizes must match.
static_assert(sizeof(ContentHeaders) == sizeof(s3::ContentHeaders));

inline s3::ContentHeaders ToS3Content(const ContentHeaders& c) {
  return {.content_type = c.content_type,
          .cache_control = c.cache_control,
          .content_disposition = c.content_disposition,
          .content_encoding = c.content_encoding,
          .content_language = c.content_language,
          .expires = c.expires,
          .metadata = c.metadata};
}

inline ContentHeaders ToStoreContent(const s3::ContentHeaders& c) {
  return {.content_type = c.content_type,
          .cache_control = c.cache_control,
          .content_disposition = c.content_disposition,
          .content_encoding = c.content_encoding,
          .content_language = c.content_language,
          .expires = c.expires,
          .metadata = c.metadata};
}

inline s3::WriteOptions ToWriteOptions(const ObjectMeta& m, const WriteSettings& s) {
  s3::WriteOptions o;
  o.content = ToS3Content(m.content);
  o.storage_class = s.storage_class;
  o.acl = s.acl;
  o.sse = s.sse;
  o.sse_kms_key_id = s.sse_kms_key_id;
  o.tagging = s.tagging;
  return o;
}

inline ObjectMeta ToMeta(const s3::ObjectHead& head) {
  ObjectMeta m;
  m.size = head.size;
  m.etag = head.etag;
  m.mtime_ms = ParseHttpDateMs(head.last_modified).value_or(0);
  m.content = ToStoreContent(head.content);
  m.parts_count = head.parts_count;
  m.checksum_crc32c = head.checksum_crc32c;
  m.sse = head.sse;
  return m;
}

// "k=v&k2=v2", URL-encoded, as x-amz-tagging takes them.
inline std::string EncodeTags(const std::vector<s3::Tag>& tags) {
  std::string encoded;
  for (const auto& tag : tags) {
    if (!encoded.empty()) encoded += '&';
    encoded += net::UriEncode(tag.key, false) + "=" + net::UriEncode(tag.value, false);
  }
  return encoded;
}

}  // namespace ferry::store
