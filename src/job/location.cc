#include "job/location.h"

#include <cctype>

namespace ferry::job {
namespace {

Result<Location> SplitBucket(std::string_view original, std::string_view rest) {
  const auto slash = rest.find('/');
  Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.prefix = std::string(rest.substr(slash + 1));
  if (location.bucket.empty()) {
    return Status::InvalidArgument("'" + std::string(original) + "' has no bucket name",
                                   "write it as s3://bucket or s3://bucket/prefix");
  }
  return location;
}

}  // namespace

namespace {

// "s3://", in any case ("S3://" is what a shift key makes of it).
bool HasS3Scheme(std::string_view text) {
  return text.size() >= 5 && (text[0] == 's' || text[0] == 'S') && text.substr(1, 4) == "3://";
}

}  // namespace

Result<Location> ParseS3Location(std::string_view text) {
  constexpr std::string_view kScheme = "s3://";
  if (!HasS3Scheme(text)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an S3 location",
                                   "write it as s3://bucket or s3://bucket/prefix");
  }
  return SplitBucket(text, text.substr(kScheme.size()));
}

Result<Location> ParseLocation(std::string_view text) {
  if (text.empty()) {
    return Status::InvalidArgument("empty location",
                                   "s3://bucket[/prefix], NAME:bucket[/prefix] or a folder");
  }
  if (HasS3Scheme(text)) return ParseS3Location(text);
  const auto colon = text.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    const std::string_view name = text.substr(0, colon);
    bool is_name = true;
    for (char c : name) {
      is_name &= std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    }
    if (is_name) {
      auto location = SplitBucket(text, text.substr(colon + 1));
      if (!location.ok()) return location;
      location->endpoint_name = std::string(name);
      return location;
    }
  }
  Location location;
  location.kind = Location::Kind::kLocal;
  location.path = std::string(text);
  return location;
}

std::string FolderPrefix(const std::string& prefix) {
  if (prefix.empty() || prefix.back() == '/') return prefix;
  return prefix + "/";
}

}  // namespace ferry::job
