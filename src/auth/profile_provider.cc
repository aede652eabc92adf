#include "auth/profile_provider.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ferry::auth {
namespace {

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

}  // namespace

IniSections ParseIni(const std::string& text) {
  IniSections sections;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      sections[section];
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    sections[section][Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return sections;
}

ProfileProvider::ProfileProvider(std::string profile) : profile_(std::move(profile)) {
  if (profile_.empty()) profile_ = EnvOr("AWS_PROFILE", "default");
  const std::string home = EnvOr("HOME", ".");
  credentials_path_ = EnvOr("AWS_SHARED_CREDENTIALS_FILE", home + "/.aws/credentials");
  config_path_ = EnvOr("AWS_CONFIG_FILE", home + "/.aws/config");
}

std::string ProfileProvider::Describe() const {
  return "profile '" + profile_ + "' in " + credentials_path_ + " / " + config_path_;
}

Result<std::map<std::string, std::string>> ProfileProvider::Settings() const {
  std::map<std::string, std::string> settings;
  bool found = false;
  std::string text;
  if (ReadFile(config_path_, text)) {
    IniSections config = ParseIni(text);
    const std::string name = profile_ == "default" ? "default" : "profile " + profile_;
    for (const std::string& candidate : {name, profile_}) {
      if (auto it = config.find(candidate); it != config.end()) {
        settings = it->second;
        found = true;
        break;
      }
    }
  }
  if (ReadFile(credentials_path_, text)) {
    IniSections creds = ParseIni(text);
    if (auto it = creds.find(profile_); it != creds.end()) {
      for (const auto& [k, v] : it->second) settings[k] = v;
      found = true;
    }
  }
  if (!found) {
    return Status::NotFound("profile '" + profile_ + "' not found in " + credentials_path_ +
                                " or " + config_path_,
                            "the profile name (--profile, AWS_PROFILE) and the files "
                            "(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE)");
  }
  return settings;
}

bool ProfileProvider::Invalidate() {
  MutexLock lock(mu_);
  cached_.reset();
  return true;
}

std::optional<Credentials> ProfileProvider::Cached() {
  MutexLock lock(mu_);
  return cached_;
}

Result<Credentials> ProfileProvider::Get(std::stop_token) {
  MutexLock lock(mu_);
  if (cached_) return *cached_;
  auto settings = Settings();
  if (!settings.ok()) return std::move(settings).take_error();
  Credentials c;
  c.access_key_id = (*settings)["aws_access_key_id"];
  c.secret_access_key = (*settings)["aws_secret_access_key"];
  c.session_token = (*settings)["aws_session_token"];
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::InvalidArgument(
        "profile '" + profile_ + "' has no aws_access_key_id/aws_secret_access_key",
        "the profile in " + credentials_path_ + " (role_arn profiles need source_profile)");
  }
  cached_ = c;
  return c;
}

}  // namespace ferry::auth
