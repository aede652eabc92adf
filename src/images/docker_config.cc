#include "images/docker_config.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/base64.h"

namespace ferry::images {

std::string DockerConfigPath() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/config.json";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.docker/config.json";
}

Result<std::unique_ptr<LoginSource>> LoadDockerLogin(const std::string& path,
                                                     const std::string& registry) {
  auto anonymous = [] { return std::make_unique<FixedLoginSource>(std::nullopt, ""); };
  std::ifstream in(path);
  if (!in) return std::unique_ptr<LoginSource>(anonymous());
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("malformed Docker config '" + path + "': not a JSON object",
                                   "the file, or point DOCKER_CONFIG at another folder");
  }
  if (!doc.contains("auths") || !doc["auths"].is_object()) {
    return std::unique_ptr<LoginSource>(anonymous());
  }
  std::vector<std::string> keys = {registry, "https://" + registry, "http://" + registry};
  if (registry == "registry-1.docker.io") {
    keys.insert(keys.begin(), {"https://index.docker.io/v1/", "docker.io", "index.docker.io"});
  }
  const auto& auths = doc["auths"];
  for (const auto& key : keys) {
    if (!auths.contains(key) || !auths[key].is_object()) continue;
    const auto& entry = auths[key];
    const std::string where = "auths.\"" + key + "\" in " + path;
    if (!entry.contains("auth") || !entry["auth"].is_string()) {
      return Status::InvalidArgument(
          "no \"auth\" string in " + where,
          "credential helpers (credsStore/credHelpers) are not supported: run `docker login` "
          "with a plain file store, or write auth = base64(\"user:password\")");
    }
    auto decoded = Base64Decode(entry["auth"].get<std::string>());
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      return Status::InvalidArgument("malformed \"auth\" in " + where,
                                     "auth must be base64 of \"user:password\"");
    }
    Login login{decoded->substr(0, colon), decoded->substr(colon + 1)};
    return std::unique_ptr<LoginSource>(std::make_unique<FixedLoginSource>(login, path));
  }
  return std::unique_ptr<LoginSource>(anonymous());
}

}  // namespace ferry::images
