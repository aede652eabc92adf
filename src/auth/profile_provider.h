// Profiles of the shared AWS files: ~/.aws/credentials ([name]) and
// ~/.aws/config ([profile name]), relocatable with AWS_SHARED_CREDENTIALS_FILE
// and AWS_CONFIG_FILE, selected by name or AWS_PROFILE (default "default").
#pragma once

#include <map>
#include <optional>
#include <string>

#include "auth/credentials.h"
#include "core/mutex.h"

namespace ferry::auth {

using IniSections = std::map<std::string, std::map<std::string, std::string>>;

// Parses the INI dialect of the AWS files ('#' and ';' comments, "key = value").
IniSections ParseIni(const std::string& text);

class ProfileProvider final : public CredentialProvider {
 public:
  // An empty `profile` means AWS_PROFILE, else "default".
  explicit ProfileProvider(std::string profile);
  // Read once and cached: credentials are asked for before every request.
  Result<Credentials> Get(std::stop_token) override;
  std::optional<Credentials> Cached() override;
  // Drops the cache so the files are read again (keys rotated in the file).
  bool Invalidate() override;
  std::string Describe() const override;

  // Settings of the profile from both files (credentials file wins), for
  // role_arn/source_profile and region.
  Result<std::map<std::string, std::string>> Settings() const;

 private:
  std::string profile_;
  std::string credentials_path_;
  std::string config_path_;
  Mutex mu_;
  std::optional<Credentials> cached_ GUARDED_BY(mu_);
};

}  // namespace ferry::auth
