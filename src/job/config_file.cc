#include "job/config_file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace ferry::job {

std::string DefaultConfigPath() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/ferry/ferry.toml";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.config/ferry/ferry.toml";
}

Result<EndpointConfigs> LoadConfig(const std::string& path, bool explicit_path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (!explicit_path) return EndpointConfigs{};
    return Status::InvalidArgument("config file '" + path + "' does not exist",
                                   "the --config path");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("cannot read the config file '" + path + "'",
                                   "that it is readable");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

Result<EndpointConfigs> ParseConfig(std::string_view text, const std::string& path) {
  toml::table parsed;
  try {  // toml++ reports errors by exception; they stop here
    parsed = toml::parse(text, path);
  } catch (const toml::parse_error& err) {
    return Status::InvalidArgument(
        "config file '" + path + "' is not valid TOML (line " +
            std::to_string(err.source().begin.line) + "): " + std::string(err.description()),
        "the syntax at that line");
  }
  EndpointConfigs configs;
  const toml::table* endpoints = parsed["endpoints"].as_table();
  if (endpoints == nullptr) return configs;
  for (const auto& [name, node] : *endpoints) {
    const toml::table* t = node.as_table();
    const std::string where = "endpoint '" + std::string(name.str()) + "' in '" + path + "'";
    if (t == nullptr) {
      return Status::InvalidArgument(where + " is not a table", "[endpoints.NAME] sections");
    }
    EndpointSettings settings;
    for (const auto& [key, value] : *t) {
      const std::string k(key.str());
      const auto text = value.value<std::string>();
      if (!text) return Status::InvalidArgument(where + ": '" + k + "' must be a string");
      if (k == "endpoint") settings.endpoint = *text;
      else if (k == "region") settings.region = *text;
      else if (k == "profile") settings.profile = *text;
      else if (k == "secret") settings.secret = *text;
      else if (k == "provider") settings.provider = *text;
      else if (k == "addressing") {
        if (*text != "auto" && *text != "path" && *text != "virtual") {
          return Status::InvalidArgument(where + ": addressing must be auto, path or virtual");
        }
        settings.path_style = *text == "path";
        settings.virtual_hosted = *text == "virtual";
      } else {
        return Status::InvalidArgument(where + ": unknown setting '" + k + "'",
                                       "endpoint, region, addressing, profile, secret, provider");
      }
    }
    configs[std::string(name.str())] = settings;
  }
  return configs;
}

}  // namespace ferry::job
