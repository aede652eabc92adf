// The flags that say how to reach one S3 service, and what they resolve to.
#pragma once

#include <memory>
#include <string>

#include "auth/credentials.h"
#include "core/status.h"
#include "net/http_client.h"
#include "s3/s3_client.h"

namespace CLI {
class App;
}

namespace ferry::cli {

struct EndpointFlags {
  std::string endpoint;  // --endpoint; else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
  std::string region;    // --region; else AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  std::string profile;   // --profile; else AWS_PROFILE
  std::string secret;    // --secret FILE | Secrets Manager ARN/name: JSON access keys
  std::string provider;  // informational ("alibaba", "minio", ...), from the config file
  bool path_style = false;
  bool virtual_hosted = false;
  bool no_sign_request = false;
  bool request_payer = false;  // set by `sync --request-payer` for both sides

  // Registers --endpoint, --region, --profile, --secret, --path-style,
  // --no-sign-request with `prefix` ("" or "src-"/"dst-").
  void AddTo(CLI::App& app, const std::string& prefix);
  // These flags where set, else `base` (a named endpoint from the config file).
  EndpointFlags Over(const EndpointFlags& base) const;

  bool operator==(const EndpointFlags&) const = default;
};

// Builds a client for the flags, resolving environment defaults as the AWS SDKs do.
Result<std::unique_ptr<s3::S3Client>> MakeS3Client(
    const EndpointFlags& flags, Side side, std::shared_ptr<net::HttpClient> http,
    std::shared_ptr<ThrottleSignal> throttle = nullptr);

}  // namespace ferry::cli
