// The config file (--config, default ~/.config/ferry/ferry.toml): named
// endpoints that locations refer to as NAME:bucket/prefix.
//
//   [endpoints.oss]
//   endpoint = "https://oss-cn-hangzhou.aliyuncs.com"
//   region = "cn-hangzhou"
//   addressing = "virtual"        # auto | path | virtual
//   profile = "oss"               # or: secret = "/path/secret.json" | "arn:aws:secretsmanager:..."
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "job/endpoint_settings.h"

namespace ferry::job {

using EndpointConfigs = std::map<std::string, EndpointSettings>;

// Loads `path`; a missing default file is an empty config, a missing explicit one an error.
Result<EndpointConfigs> LoadConfig(const std::string& path, bool explicit_path);
// Parses the TOML text of a config file; `path` names it in errors.
Result<EndpointConfigs> ParseConfig(std::string_view text, const std::string& path);

std::string DefaultConfigPath();

}  // namespace ferry::job
