// Where data lives, as the user wrote it on the command line.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::cli {

struct Location {
  std::string bucket;
  std::string prefix;  // may be empty; kept byte for byte
};

// Parses "s3://bucket[/prefix]". Errors say what form is expected.
Result<Location> ParseS3Location(std::string_view text);

}  // namespace ferry::cli
