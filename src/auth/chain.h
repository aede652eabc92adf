// The credential chain, in the order the AWS SDKs use, behind one provider.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "core/mutex.h"
#include "net/http_client.h"

namespace ferry::auth {

// Tries each source in turn and remembers the first that answers. Its error
// says how to give credentials, then lists every source it tried.
class ChainProvider final : public CredentialProvider {
 public:
  // Sources from `last_resort` on (the metadata services) are asked only in case:
  // their failures are details of "no credentials", not the answer. `flag_prefix`
  // names the command-line flags in the error ("--", "--src-").
  ChainProvider(std::vector<std::shared_ptr<CredentialProvider>> sources, size_t last_resort,
                std::string flag_prefix = "--")
      : sources_(std::move(sources)), last_resort_(last_resort),
        flag_prefix_(std::move(flag_prefix)) {}
  Result<Credentials> Get(std::stop_token stop) override;
  std::optional<Credentials> Cached() override;
  bool Invalidate() override;
  std::string Describe() const override;

 private:
  std::vector<std::shared_ptr<CredentialProvider>> sources_;
  const size_t last_resort_;
  const std::string flag_prefix_;
  mutable Mutex mu_;
  std::shared_ptr<CredentialProvider> chosen_ GUARDED_BY(mu_);
};

struct ChainOptions {
  std::string profile;  // --profile: only that profile is used
  std::string secret;   // --secret FILE|ARN: only that secret is used
  std::shared_ptr<net::HttpClient> http;
  std::string flag_prefix = "--";  // how the side's flags are spelled, for errors
};

// --secret, else --profile, else the SDKs' order: environment → web identity →
// shared profile (AWS_PROFILE or "default") → ECS container → EC2 instance (IMDSv2).
// A profile with role_arn + source_profile is assumed through STS.
Result<std::shared_ptr<CredentialProvider>> MakeDefaultChain(const ChainOptions& options);

// One profile of the shared files, with role_arn/source_profile assumed via STS.
Result<std::shared_ptr<CredentialProvider>> MakeProfileCredentials(
    const std::string& profile, std::shared_ptr<net::HttpClient> http);

}  // namespace ferry::auth
