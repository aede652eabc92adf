#include "auth/static_provider.h"

#include <cstdlib>

namespace ferry::auth {

Result<Credentials> EnvironmentProvider::Get(std::stop_token) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  Credentials c;
  c.access_key_id = env("AWS_ACCESS_KEY_ID");
  c.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  c.session_token = env("AWS_SESSION_TOKEN");
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    return Status::NotFound("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::InvalidArgument(
        "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set",
        "set both environment variables, or neither");
  }
  return c;
}

std::optional<Credentials> EnvironmentProvider::Cached() {
  auto creds = Get({});
  if (!creds.ok()) return std::nullopt;
  return *creds;
}

}  // namespace ferry::auth
