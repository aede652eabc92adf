// Verification of signed JWTs (RFC 7515/7519) against a JSON Web Key Set
// (RFC 7517), with OpenSSL: RS256/384/512, PS256/384/512 and ES256/384/512.
// "none" and HMAC algorithms are refused: an ID token must be signed by a key
// the provider publishes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "core/status.h"

namespace ferry::service {

// base64url without padding (RFC 4648 section 5), as JWTs use it.
std::string Base64UrlEncode(std::string_view bytes);
// InvalidArgument on a character outside the alphabet.
Result<std::string> Base64UrlDecode(std::string_view text);

struct VerifiedJwt {
  nlohmann::json header;
  nlohmann::json claims;
};

// Checks the compact JWS `jwt` with the key of `jwks` ({"keys": [...]}) named by
// its header's kid (or, without a kid, the only key of the right type).
// NotFound when no key has that kid (the caller may fetch the set again);
// Unauthenticated for a bad signature; InvalidArgument for a malformed token.
Result<VerifiedJwt> VerifyJwt(const std::string& jwt, const nlohmann::json& jwks);

struct IdTokenExpectations {
  std::string issuer;
  std::string audience;  // the client id
  std::string nonce;
  int64_t now = 0;        // seconds since the epoch
  int64_t leeway = 60;    // clock skew allowed on exp, iat and nbf
};

// OpenID Connect Core 3.1.3.7: iss, aud (and azp with several audiences),
// exp, iat, nbf and nonce. Unauthenticated, naming the claim, otherwise.
Status CheckIdTokenClaims(const nlohmann::json& claims, const IdTokenExpectations& expect);

}  // namespace ferry::service
