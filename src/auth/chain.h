// The credential chain, in the order the AWS SDKs use, behind one provider.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "net/http_client.h"

namespace ferry::auth {

// Tries each source in turn and remembers the first that answers. Its error
// lists every source it tried and what to set.
class ChainProvider final : public CredentialProvider {
 public:
  explicit ChainProvider(std::vector<std::shared_ptr<CredentialProvider>> sources)
      : sources_(std::move(sources)) {}
  Result<Credentials> Get(std::stop_token stop) override;
  bool Invalidate() override;
  std::string Describe() const override;

 private:
  std::vector<std::shared_ptr<CredentialProvider>> sources_;
  mutable std::mutex mu_;
  std::shared_ptr<CredentialProvider> chosen_;  // guarded by mu_
};

struct ChainOptions {
  std::string profile;  // --profile: only that profile is used
  std::string secret;   // --secret FILE|ARN: only that secret is used
  std::shared_ptr<net::HttpClient> http;
};

// --secret, else --profile, else the SDKs' order: environment → web identity →
// shared profile (AWS_PROFILE or "default") → ECS container → EC2 instance (IMDSv2).
// A profile with role_arn + source_profile is assumed through STS.
Result<std::shared_ptr<CredentialProvider>> MakeDefaultChain(const ChainOptions& options);

// One profile of the shared files, with role_arn/source_profile assumed via STS.
Result<std::shared_ptr<CredentialProvider>> MakeProfileCredentials(
    const std::string& profile, std::shared_ptr<net::HttpClient> http);

}  // namespace ferry::auth
