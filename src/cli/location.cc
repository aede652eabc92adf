#include "cli/location.h"

namespace ferry::cli {

Result<Location> ParseS3Location(std::string_view text) {
  constexpr std::string_view kScheme = "s3://";
  if (!text.starts_with(kScheme)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an S3 location",
                                   "write it as s3://bucket or s3://bucket/prefix");
  }
  std::string_view rest = text.substr(kScheme.size());
  const auto slash = rest.find('/');
  Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.prefix = std::string(rest.substr(slash + 1));
  if (location.bucket.empty()) {
    return Status::InvalidArgument("'" + std::string(text) + "' has no bucket name",
                                   "write it as s3://bucket or s3://bucket/prefix");
  }
  return location;
}

}  // namespace ferry::cli
