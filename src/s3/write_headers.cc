#include "s3/write_headers.h"

#include <cstdlib>

#include "s3/xml.h"

namespace ferry::s3 {
namespace {

void AddIfSet(net::Headers& headers, const char* name, const std::string& value) {
  if (!value.empty()) headers.emplace_back(name, value);
}

}  // namespace

void AddWriteHeaders(const WriteOptions& o, net::Headers& headers) {
  const ContentHeaders& c = o.content;
  AddIfSet(headers, "Content-Type", c.content_type);
  AddIfSet(headers, "Cache-Control", c.cache_control);
  AddIfSet(headers, "Content-Disposition", c.content_disposition);
  AddIfSet(headers, "Content-Encoding", c.content_encoding);
  AddIfSet(headers, "Content-Language", c.content_language);
  AddIfSet(headers, "Expires", c.expires);
  AddIfSet(headers, "x-amz-storage-class", o.storage_class);
  AddIfSet(headers, "x-amz-acl", o.acl);
  AddIfSet(headers, "x-amz-server-side-encryption", o.sse);
  AddIfSet(headers, "x-amz-server-side-encryption-aws-kms-key-id", o.sse_kms_key_id);
  AddIfSet(headers, "x-amz-tagging", o.tagging);
  AddIfSet(headers, "Content-MD5", o.content_md5);
  if (!o.checksum_crc32c.empty()) {
    headers.emplace_back("x-amz-checksum-crc32c", o.checksum_crc32c);
  }
  for (const auto& [name, value] : c.metadata) headers.emplace_back("x-amz-meta-" + name, value);
}

ObjectHead ObjectHeadFromHeaders(const net::Headers& headers) {
  ObjectHead h;
  for (const auto& [name, value] : headers) {  // names arrive lower-cased
    if (name == "content-length") {
      h.content_length = std::strtoull(value.c_str(), nullptr, 10);
      h.size = h.content_length;
    }
    else if (name == "etag") h.etag = StripQuotes(value);
    else if (name == "last-modified") h.last_modified = value;
    else if (name == "content-type") h.content.content_type = value;
    else if (name == "cache-control") h.content.cache_control = value;
    else if (name == "content-disposition") h.content.content_disposition = value;
    else if (name == "content-encoding") h.content.content_encoding = value;
    else if (name == "content-language") h.content.content_language = value;
    else if (name == "expires") h.content.expires = value;
    else if (name == "x-amz-storage-class") h.storage_class = value;
    else if (name == "x-amz-version-id") h.version_id = value;
    else if (name == "x-amz-checksum-crc32c") h.checksum_crc32c = value;
    else if (name == "x-amz-server-side-encryption") h.sse = value;
    else if (name == "x-amz-mp-parts-count") h.parts_count = std::atoi(value.c_str());
    else if (name.starts_with("x-amz-meta-")) h.content.metadata[name.substr(11)] = value;
  }
  // A ranged answer's Content-Length is the range; the total is after the '/'.
  if (auto range = net::FindHeader(headers, "content-range")) {
    if (auto slash = range->rfind('/'); slash != std::string_view::npos) {
      h.size = std::strtoull(std::string(range->substr(slash + 1)).c_str(), nullptr, 10);
    }
  }
  return h;
}

}  // namespace ferry::s3
