// Credentials given explicitly, and the environment variables the AWS SDKs read.
#pragma once

#include "auth/credentials.h"

namespace ferry::auth {

class StaticProvider final : public CredentialProvider {
 public:
  StaticProvider(Credentials creds, std::string description)
      : creds_(std::move(creds)), description_(std::move(description)) {}
  Result<Credentials> Get(std::stop_token) override { return creds_; }
  std::optional<Credentials> Cached() override { return creds_; }
  std::string Describe() const override { return description_; }

 private:
  Credentials creds_;
  std::string description_;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; NotFound when unset.
class EnvironmentProvider final : public CredentialProvider {
 public:
  Result<Credentials> Get(std::stop_token) override;
  std::optional<Credentials> Cached() override;  // reading the environment is no I/O
  std::string Describe() const override { return "environment variables AWS_ACCESS_KEY_ID/..."; }
};

}  // namespace ferry::auth
