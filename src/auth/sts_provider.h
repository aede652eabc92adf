// Credentials from AWS STS: AssumeRole (signed with base credentials) and
// AssumeRoleWithWebIdentity (an OIDC token file, as on EKS). The STS endpoint is
// AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else sts.REGION.amazonaws.com.
#pragma once

#include <memory>
#include <string>

#include "auth/refreshing_provider.h"
#include "net/http_client.h"

namespace ferry::auth {

struct AssumeRoleOptions {
  std::string role_arn;
  std::string session_name = "ferry";
  std::string external_id;
  int duration_seconds = 3600;
  std::string region;    // "" = AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  std::string endpoint;  // "" = from the environment or AWS
};

class AssumeRoleProvider final : public RefreshingProvider {
 public:
  AssumeRoleProvider(AssumeRoleOptions options, std::shared_ptr<CredentialProvider> base,
                     std::shared_ptr<net::HttpClient> http);
  std::string Describe() const override;

 protected:
  Result<Credentials> Fetch(std::stop_token stop) override;

 private:
  AssumeRoleOptions options_;
  std::shared_ptr<CredentialProvider> base_;
  std::shared_ptr<net::HttpClient> http_;
};

class WebIdentityProvider final : public RefreshingProvider {
 public:
  // From AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME when
  // `token_file` / options.role_arn are empty; NotFound from Get when unset.
  WebIdentityProvider(std::string token_file, AssumeRoleOptions options,
                      std::shared_ptr<net::HttpClient> http);
  std::string Describe() const override;

 protected:
  Result<Credentials> Fetch(std::stop_token stop) override;

 private:
  std::string token_file_;
  AssumeRoleOptions options_;
  std::shared_ptr<net::HttpClient> http_;
};

// Parses an STS answer (<...Result><Credentials>...). `what` names the call in errors.
Result<Credentials> ParseStsCredentials(const std::string& xml, const std::string& what);

}  // namespace ferry::auth
