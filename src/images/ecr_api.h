// The Amazon ECR API calls image replication needs: registry logins
// (GetAuthorizationToken), CreateRepository and DescribeRepositories.
// JSON 1.1 over SigV4, service "ecr".
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "core/mutex.h"
#include "core/status.h"
#include "images/login.h"
#include "net/http_client.h"

namespace ferry::images {

struct EcrRegistry {
  std::string account;  // empty when not known from the host
  std::string region;
};

// "123456789012.dkr.ecr.eu-west-1.amazonaws.com" (also -fips and .com.cn)
// names an ECR registry; other hosts do not.
std::optional<EcrRegistry> ParseEcrHost(const std::string& host);

class EcrApi {
 public:
  // `endpoint` empty = AWS_ENDPOINT_URL_ECR, else AWS_ENDPOINT_URL, else
  // https://api.ecr.REGION.amazonaws.com.
  EcrApi(EcrRegistry registry, std::string endpoint,
         std::shared_ptr<auth::CredentialProvider> credentials,
         std::shared_ptr<net::HttpClient> http);

  // The registry login (user "AWS" and a 12-hour password).
  Result<Login> GetAuthorizationToken(std::stop_token stop);
  // Creates `repository` once per EcrApi; one that exists already is fine.
  Status EnsureRepository(const std::string& repository, std::stop_token stop);
  // Every repository name of the registry.
  Result<std::vector<std::string>> ListRepositories(std::stop_token stop);

  const std::string& endpoint() const { return endpoint_; }

 private:
  // One API call; non-200 answers become errors naming `action` and the
  // service's error type (the caller decides whether a type is acceptable).
  Result<std::string> Call(const std::string& action, const std::string& body,
                           std::stop_token stop);

  EcrRegistry registry_;
  std::string endpoint_;
  std::shared_ptr<auth::CredentialProvider> credentials_;
  std::shared_ptr<net::HttpClient> http_;
  Mutex mu_;
  std::set<std::string> ensured_ GUARDED_BY(mu_);
};

// Logs in to an ECR registry with GetAuthorizationToken, caching the token
// until the registry refuses it.
class EcrLoginSource final : public LoginSource {
 public:
  explicit EcrLoginSource(std::shared_ptr<EcrApi> api) : api_(std::move(api)) {}
  Result<std::optional<Login>> Get(std::stop_token stop) override;
  bool Invalidate() override;
  std::string Describe() const override;

 private:
  std::shared_ptr<EcrApi> api_;
  Mutex mu_;
  std::optional<Login> cached_ GUARDED_BY(mu_);
};

}  // namespace ferry::images
