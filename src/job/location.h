// Where data lives, as the user wrote it on the command line.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::job {

struct Location {
  enum class Kind { kS3, kLocal };
  Kind kind = Kind::kS3;
  std::string endpoint_name;  // "NAME" of NAME:bucket/prefix; empty for s3://
  std::string bucket;
  std::string prefix;  // kept byte for byte
  std::string path;    // local folder
};

// Parses "s3://bucket[/prefix]". Errors say what form is expected.
Result<Location> ParseS3Location(std::string_view text);

// Parses any location: "s3://bucket[/prefix]", "NAME:bucket[/prefix]" (an
// endpoint defined in the config file), or a local folder path.
Result<Location> ParseLocation(std::string_view text);

// rclone's mapping: a prefix names a folder, so "x" and "x/" both mean "x/".
std::string FolderPrefix(const std::string& prefix);

}  // namespace ferry::job
