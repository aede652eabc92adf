#include "auth/chain.h"

#include "auth/metadata_providers.h"
#include "auth/profile_provider.h"
#include "auth/secret_provider.h"
#include "auth/static_provider.h"
#include "auth/sts_provider.h"

namespace ferry::auth {

Result<Credentials> ChainProvider::Get(std::stop_token stop) {
  std::shared_ptr<CredentialProvider> chosen;
  {
    MutexLock lock(mu_);
    chosen = chosen_;
  }
  if (chosen) return chosen->Get(stop);
  std::string tried;
  for (size_t i = 0; i < sources_.size(); ++i) {
    const auto& source = sources_[i];
    auto creds = source->Get(stop);
    if (creds.ok()) {
      MutexLock lock(mu_);
      chosen_ = source;
      return creds;
    }
    const bool not_here = creds.error().code() == Code::kNotFound;
    // A configured source that is broken (a malformed profile) is the answer the
    // user needs to see; a metadata service that fails off EC2 is only a detail.
    if (!not_here && i < last_resort_) return creds;
    tried += (tried.empty() ? "" : "; ") +
             (not_here ? source->Describe() : creds.error().message());
  }
  const std::string& p = flag_prefix_;
  return Status::Unauthenticated(
      "no credentials: give them with " + p + "secret FILE|ARN, " + p +
          "profile NAME, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (" +
          p + "no-sign-request for public data)",
      "what was tried: " + tried);
}

std::optional<Credentials> ChainProvider::Cached() {
  std::shared_ptr<CredentialProvider> chosen;
  {
    MutexLock lock(mu_);
    chosen = chosen_;
  }
  return chosen ? chosen->Cached() : std::nullopt;
}

bool ChainProvider::Invalidate() {
  MutexLock lock(mu_);
  return chosen_ && chosen_->Invalidate();
}

std::string ChainProvider::Describe() const {
  MutexLock lock(mu_);
  return chosen_ ? chosen_->Describe() : "the default credential chain";
}

namespace {

Result<std::shared_ptr<CredentialProvider>> ProfileCredentials(
    const std::string& profile, std::shared_ptr<net::HttpClient> http,
    std::vector<std::string>& chain_of_profiles) {
  auto provider = std::make_shared<ProfileProvider>(profile);
  for (const auto& seen : chain_of_profiles) {
    if (seen == profile) {
      std::string loop;
      for (const auto& p : chain_of_profiles) loop += p + " -> ";
      return Status::InvalidArgument("source_profile loop: " + loop + profile,
                                     "the source_profile settings of these profiles");
    }
  }
  chain_of_profiles.push_back(profile);
  auto settings = provider->Settings();
  // A role profile: keys of its source_profile, exchanged for the role's by STS.
  if (settings.ok() && settings->count("role_arn")) {
    const std::string source = (*settings)["source_profile"];
    if (source.empty() || source == profile) {
      return Status::InvalidArgument(provider->Describe() + " has role_arn but no usable "
                                         "source_profile",
                                     "set source_profile to a profile with access keys");
    }
    auto base = ProfileCredentials(source, http, chain_of_profiles);
    if (!base.ok()) return base;
    AssumeRoleOptions options;
    options.role_arn = (*settings)["role_arn"];
    options.external_id = (*settings)["external_id"];
    if (settings->count("role_session_name")) {
      options.session_name = (*settings)["role_session_name"];
    }
    options.region = (*settings)["region"];
    return std::shared_ptr<CredentialProvider>(
        std::make_shared<AssumeRoleProvider>(options, *base, http));
  }
  return std::shared_ptr<CredentialProvider>(provider);
}

}  // namespace

Result<std::shared_ptr<CredentialProvider>> MakeProfileCredentials(
    const std::string& profile, std::shared_ptr<net::HttpClient> http) {
  std::vector<std::string> chain_of_profiles;
  return ProfileCredentials(profile, std::move(http), chain_of_profiles);
}

Result<std::shared_ptr<CredentialProvider>> MakeDefaultChain(const ChainOptions& options) {
  if (!options.secret.empty()) {
    // The keys to read a Secrets Manager secret come from the usual chain.
    ChainOptions base_options = options;
    base_options.secret.clear();
    auto base = MakeDefaultChain(base_options);
    if (!base.ok()) return base;
    return std::shared_ptr<CredentialProvider>(
        std::make_shared<SecretProvider>(options.secret, *base, options.http));
  }
  if (!options.profile.empty()) return MakeProfileCredentials(options.profile, options.http);
  auto http = options.http ? options.http : std::make_shared<net::HttpClient>();
  auto profile = MakeProfileCredentials("", http);
  if (!profile.ok()) return profile;
  std::vector<std::shared_ptr<CredentialProvider>> sources = {
      std::make_shared<EnvironmentProvider>(),
      std::make_shared<WebIdentityProvider>("", AssumeRoleOptions{}, http), *profile,
      std::make_shared<ContainerProvider>(http), std::make_shared<InstanceProvider>(http)};
  return std::shared_ptr<CredentialProvider>(std::make_shared<ChainProvider>(
      std::move(sources), /*last_resort=*/3, options.flag_prefix));
}

}  // namespace ferry::auth
