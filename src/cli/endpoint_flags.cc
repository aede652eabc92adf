#include "cli/endpoint_flags.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "auth/chain.h"

namespace ferry::cli {
namespace {

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

}  // namespace

void EndpointFlags::AddTo(CLI::App& app, const std::string& prefix) {
  app.add_option("--" + prefix + "endpoint", endpoint,
                 "S3 endpoint URL (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, Amazon S3)");
  app.add_option("--" + prefix + "region", region,
                 "Region (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)");
  app.add_option("--" + prefix + "profile", profile,
                 "Profile in the shared AWS config/credentials files (default: $AWS_PROFILE)");
  app.add_option("--" + prefix + "secret", secret,
                 "JSON secret {\"access_key_id\", \"secret_access_key\"}: a file, or a "
                 "Secrets Manager ARN or name; re-read when the key is rotated");
  app.add_flag("--" + prefix + "path-style", path_style,
               "Path-style addressing (endpoint/bucket/key) instead of bucket.endpoint/key");
  app.add_flag("--" + prefix + "no-sign-request", no_sign_request,
               "Send requests unsigned (public buckets)");
}

EndpointFlags EndpointFlags::Over(const EndpointFlags& base) const {
  EndpointFlags out = base;
  if (!endpoint.empty()) out.endpoint = endpoint;
  if (!region.empty()) out.region = region;
  if (!profile.empty()) out.profile = profile;
  if (!secret.empty()) out.secret = secret;
  if (path_style) out.path_style = true;
  if (no_sign_request) out.no_sign_request = true;
  return out;
}

Result<std::unique_ptr<s3::S3Client>> MakeS3Client(const EndpointFlags& flags, Side side,
                                                   std::shared_ptr<net::HttpClient> http,
                                                   std::shared_ptr<ThrottleSignal> throttle) {
  s3::S3Config config;
  config.side = side;
  config.throttle = std::move(throttle);
  config.request_payer = flags.request_payer;
  config.endpoint = flags.endpoint.empty() ? FirstEnv({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"})
                                           : flags.endpoint;
  config.region = flags.region.empty() ? FirstEnv({"AWS_REGION", "AWS_DEFAULT_REGION"})
                                       : flags.region;
  config.addressing = flags.path_style       ? s3::Addressing::kPath
                      : flags.virtual_hosted ? s3::Addressing::kVirtualHosted
                                             : s3::Addressing::kAuto;

  std::shared_ptr<auth::CredentialProvider> creds;
  if (flags.no_sign_request) {
    creds = std::make_shared<auth::AnonymousProvider>();
  } else {
    auth::ChainOptions options;
    options.profile = flags.profile;
    options.secret = flags.secret;
    options.http = http;
    auto chain = auth::MakeDefaultChain(options);
    if (!chain.ok()) return std::move(chain).take_error().WithSide(side);
    creds = std::move(*chain);
  }
  return s3::S3Client::Create(std::move(config), std::move(creds), std::move(http));
}

}  // namespace ferry::cli
