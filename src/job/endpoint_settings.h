// How to reach one S3 service: the endpoint, region, addressing and where the
// credentials come from. Filled from command-line flags, the config file or a
// server task; turned into an S3 client by MakeS3Client.
#pragma once

#include <memory>
#include <string>

#include "auth/credentials.h"
#include "core/status.h"
#include "net/http_client.h"
#include "s3/s3_client.h"

namespace ferry::job {

struct EndpointSettings {
  std::string endpoint;  // URL; else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, Amazon S3
  std::string region;    // else AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  std::string profile;   // else AWS_PROFILE
  std::string secret;    // a JSON secret file, or a Secrets Manager ARN/name: access keys
  std::string provider;  // informational ("alibaba", "minio", ...), from the config file
  bool path_style = false;
  bool virtual_hosted = false;
  bool no_sign_request = false;
  bool request_payer = false;  // set by `sync --request-payer` for both sides
  // Keys given directly (a server's stored credential). When set they are used
  // instead of the credential chain. Never printed.
  auth::Credentials keys;

  // These settings where set, else `base` (a named endpoint from the config file,
  // or the flags given for both sides). Credentials are one choice: a profile,
  // a secret, keys or unsigned requests set here replace the base's.
  EndpointSettings Over(const EndpointSettings& base) const;
  bool ChoosesCredentials() const;

  bool operator==(const EndpointSettings& o) const;
};

// InvalidArgument when `settings` names two sources of credentials (a secret and a
// profile, or either with unsigned requests); flags are named with `flag_prefix`
// ("--", "--src-", "--dst-").
Status CheckCredentialChoice(const EndpointSettings& settings, const std::string& flag_prefix);

// Builds a client for the settings, resolving environment defaults as the AWS SDKs do.
Result<std::unique_ptr<s3::S3Client>> MakeS3Client(
    const EndpointSettings& settings, Side side, std::shared_ptr<net::HttpClient> http,
    std::shared_ptr<ThrottleSignal> throttle = nullptr);

}  // namespace ferry::job
