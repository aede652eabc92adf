#include "auth/chain.h"

#include "auth/profile_provider.h"
#include "auth/secret_provider.h"
#include "auth/static_provider.h"

namespace ferry::auth {

Result<Credentials> ChainProvider::Get(std::stop_token stop) {
  std::shared_ptr<CredentialProvider> chosen;
  {
    std::lock_guard lock(mu_);
    chosen = chosen_;
  }
  if (chosen) return chosen->Get(stop);
  std::string tried;
  for (const auto& source : sources_) {
    auto creds = source->Get(stop);
    if (creds.ok()) {
      std::lock_guard lock(mu_);
      chosen_ = source;
      return creds;
    }
    // A source that exists but is broken is the answer the user needs to see.
    if (creds.error().code() != Code::kNotFound) return creds;
    tried += (tried.empty() ? "" : ", ") + source->Describe();
  }
  return Status::Unauthenticated("no credentials found (tried " + tried + ")",
                                 "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass "
                                 "--profile or --secret, or --no-sign-request for public data");
}

bool ChainProvider::Invalidate() {
  std::lock_guard lock(mu_);
  return chosen_ && chosen_->Invalidate();
}

std::string ChainProvider::Describe() const {
  auto* self = const_cast<ChainProvider*>(this);
  std::lock_guard lock(self->mu_);
  return chosen_ ? chosen_->Describe() : "the default credential chain";
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
  if (!options.profile.empty()) {
    return std::shared_ptr<CredentialProvider>(std::make_shared<ProfileProvider>(options.profile));
  }
  std::vector<std::shared_ptr<CredentialProvider>> sources = {
      std::make_shared<EnvironmentProvider>(), std::make_shared<ProfileProvider>("")};
  return std::shared_ptr<CredentialProvider>(std::make_shared<ChainProvider>(std::move(sources)));
}

}  // namespace ferry::auth
