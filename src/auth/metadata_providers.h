// Credentials from the machine the process runs on: ECS/EKS container
// credentials and the EC2 instance metadata service (IMDSv2 only). Both answer
// the same JSON: {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}.
#pragma once

#include <memory>
#include <string>

#include "auth/refreshing_provider.h"
#include "net/http_client.h"

namespace ferry::auth {

Result<Credentials> ParseMetadataCredentials(const std::string& json, const std::string& what);

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2), or
// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE).
// NotFound when neither is set.
class ContainerProvider final : public RefreshingProvider {
 public:
  explicit ContainerProvider(std::shared_ptr<net::HttpClient> http);
  std::string Describe() const override {
    return "container credentials (" +
           (url_.empty() ? std::string("AWS_CONTAINER_CREDENTIALS_*_URI not set") : url_) + ")";
  }

 protected:
  Result<Credentials> Fetch(std::stop_token stop) override;

 private:
  std::shared_ptr<net::HttpClient> http_;
  std::string url_;
};

// IMDSv2: a session token from PUT /latest/api/token, then the role's credentials.
// AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address; AWS_EC2_METADATA_DISABLED=true
// turns it off. Short timeouts: off EC2 it must fail fast.
class InstanceProvider final : public RefreshingProvider {
 public:
  explicit InstanceProvider(std::shared_ptr<net::HttpClient> http);
  std::string Describe() const override { return "EC2 instance metadata (" + endpoint_ + ")"; }

 protected:
  Result<Credentials> Fetch(std::stop_token stop) override;

 private:
  std::shared_ptr<net::HttpClient> http_;
  std::string endpoint_;
  bool disabled_ = false;
};

}  // namespace ferry::auth
