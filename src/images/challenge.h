// The WWW-Authenticate challenge of a registry's 401 answer (RFC 7235).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::images {

struct Challenge {
  std::string scheme;                         // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lower case: realm, service, scope

  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.
// Quoted values may hold commas and backslash escapes. Returns nullopt when the
// header has no scheme. Only the first challenge of a list is returned, except
// that a Bearer challenge is preferred over Basic when both are offered.
std::optional<Challenge> ParseChallenge(std::string_view header);

}  // namespace ferry::images
