// The headers that describe an object's content and travel with it on a copy.
// The store's own type, so that the store interface needs nothing of the S3
// client (S3Store converts, s3_conversions.h).
#pragma once

#include <map>
#include <string>

namespace ferry::store {

struct ContentHeaders {
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix
};

}  // namespace ferry::store
