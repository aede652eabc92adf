// AWS Signature Version 4: signed headers and presigned URLs.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "core/status.h"
#include "net/http.h"

namespace ferry::auth {

struct SigningParams {
  std::string region;
  std::string service;  // "s3", "sts", "secretsmanager", ...
  std::chrono::system_clock::time_point now;
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; empty = computed from req.body.
  std::string payload_hash;
};

// Adds Authorization, X-Amz-Date, X-Amz-Content-Sha256 (service "s3") and
// X-Amz-Security-Token (temporary credentials) to `req`. Every header already on
// the request is signed, with Host taken from the URL.
Status SignRequest(net::HttpRequest& req, const Credentials& creds, const SigningParams& params);

// A presigned URL (query-string authentication) valid for `expires`.
Result<std::string> PresignUrl(const std::string& method, const std::string& url,
                               const Credentials& creds, const std::string& region,
                               const std::string& service,
                               std::chrono::system_clock::time_point now,
                               std::chrono::seconds expires);

std::string Sha256Hex(std::string_view data);

// The intermediate steps, exposed for the test-suite vectors.
namespace sigv4_internal {

// HMAC-SHA256 of `data` under `key` (raw bytes, 32 of them).
std::string HmacSha256(std::string_view key, std::string_view data);

struct CanonicalParts {
  std::string canonical_request;
  std::string signed_headers;
  std::string string_to_sign;
  std::string signature;
  std::string scope;  // date/region/service/aws4_request
};

// `s3_style`: the path is used as given (S3 neither normalises nor re-encodes it);
// otherwise it is normalised and each segment encoded again, as other services require.
Result<CanonicalParts> Sign(const std::string& method, const std::string& url,
                            const net::Headers& headers, const std::string& payload_hash,
                            const Credentials& creds, const std::string& region,
                            const std::string& service, const std::string& amz_date,
                            bool s3_style);

}  // namespace sigv4_internal
}  // namespace ferry::auth
