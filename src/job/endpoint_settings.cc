#include "job/endpoint_settings.h"

#include <cstdlib>
#include <tuple>

#include "auth/chain.h"
#include "auth/static_provider.h"

namespace ferry::job {
namespace {

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

auto Fields(const EndpointSettings& s) {
  return std::tie(s.endpoint, s.region, s.profile, s.secret, s.provider, s.path_style,
                  s.virtual_hosted, s.no_sign_request, s.request_payer, s.keys.access_key_id,
                  s.keys.secret_access_key, s.keys.session_token);
}

}  // namespace

bool EndpointSettings::ChoosesCredentials() const {
  return !profile.empty() || !secret.empty() || !keys.empty() || no_sign_request;
}

EndpointSettings EndpointSettings::Over(const EndpointSettings& base) const {
  EndpointSettings out = base;
  if (!endpoint.empty()) out.endpoint = endpoint;
  if (!region.empty()) out.region = region;
  if (path_style) out.path_style = true;
  // Where the credentials come from is one choice: a side's replaces the base's whole.
  if (ChoosesCredentials()) {
    out.profile = profile;
    out.secret = secret;
    out.keys = keys;
    out.no_sign_request = no_sign_request;
  }
  return out;
}

Status CheckCredentialChoice(const EndpointSettings& settings, const std::string& flag_prefix) {
  const std::string secret = flag_prefix + "secret", profile = flag_prefix + "profile",
                    unsigned_flag = flag_prefix + "no-sign-request";
  if (!settings.secret.empty() && !settings.profile.empty()) {
    return Status::InvalidArgument(secret + " and " + profile +
                                       " both say where the credentials come from",
                                   "give one of them");
  }
  if (settings.no_sign_request && (!settings.secret.empty() || !settings.profile.empty())) {
    return Status::InvalidArgument(
        unsigned_flag + " sends requests unsigned, so " +
            (settings.secret.empty() ? profile : secret) + " would not be used",
        "drop one of them");
  }
  return Status::OK();
}

bool EndpointSettings::operator==(const EndpointSettings& o) const {
  return Fields(*this) == Fields(o);
}

Result<std::unique_ptr<s3::S3Client>> MakeS3Client(const EndpointSettings& settings, Side side,
                                                   std::shared_ptr<net::HttpClient> http,
                                                   std::shared_ptr<ThrottleSignal> throttle) {
  s3::S3Config config;
  config.side = side;
  config.throttle = std::move(throttle);
  config.request_payer = settings.request_payer;
  config.endpoint = settings.endpoint.empty()
                        ? FirstEnv({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"})
                        : settings.endpoint;
  config.region = settings.region.empty() ? FirstEnv({"AWS_REGION", "AWS_DEFAULT_REGION"})
                                          : settings.region;
  config.addressing = settings.path_style       ? s3::Addressing::kPath
                      : settings.virtual_hosted ? s3::Addressing::kVirtualHosted
                                                : s3::Addressing::kAuto;

  std::shared_ptr<auth::CredentialProvider> creds;
  if (settings.no_sign_request) {
    creds = std::make_shared<auth::AnonymousProvider>();
  } else if (!settings.keys.empty()) {
    creds = std::make_shared<auth::StaticProvider>(settings.keys, "stored credential");
  } else {
    auth::ChainOptions options;
    options.profile = settings.profile;
    options.secret = settings.secret;
    options.http = http;
    options.flag_prefix = side == Side::kSource        ? "--src-"
                          : side == Side::kDestination ? "--dst-"
                                                       : "--";
    auto chain = auth::MakeDefaultChain(options);
    if (!chain.ok()) return std::move(chain).take_error().WithSide(side);
    creds = std::move(*chain);
  }
  return s3::S3Client::Create(std::move(config), std::move(creds), std::move(http));
}

}  // namespace ferry::job
