// Where images live: "HOST[:PORT]/REPO[:TAG]" as given on the command line.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::images {

struct ImageRef {
  std::string registry;    // "127.0.0.1:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
  std::string repository;  // "team/app"; empty when only a registry was given
  std::string tag;         // empty = every tag

  // "registry/repository[:tag]" for messages.
  std::string ToString() const;
};

// Parses "HOST[:PORT][/REPO[:TAG]]". The first path segment is always the
// registry (no implicit Docker Hub); "docker.io" is Docker Hub's API host
// registry-1.docker.io, where single-segment repositories live under "library/".
// Repository names follow the distribution spec: lower-case segments of
// [a-z0-9] separated by '.', '_', '__' or '-'s.
Result<ImageRef> ParseImageRef(std::string_view text);

// One line of a --list file, "REPO[:TAG]", resolved against `base` (a registry
// and an optional namespace): "app:1" with base "host/team" is host/team/app:1.
Result<ImageRef> ParseListLine(std::string_view line, const ImageRef& base);

// "a/b" joined with "c" as "a/b/c"; either may be empty.
std::string JoinRepository(std::string_view prefix, std::string_view name);

// True for a valid tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
bool IsValidTag(std::string_view tag);

}  // namespace ferry::images
