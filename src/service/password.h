// Passwords (argon2id through libsodium's crypto_pwhash_str) and bearer tokens
// (random, stored only as a BLAKE2b digest).
#pragma once

#include <string>

#include "core/status.h"

namespace ferry::service {

// REQUIRES: InitCrypto() succeeded.
Result<std::string> HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);

// `bytes` random bytes as lower-case hex.
std::string RandomHex(size_t bytes);
// A password a person can type: 20 characters of [A-Za-z0-9].
std::string RandomPassword();
// The digest a token is stored and looked up by (hex).
std::string TokenDigest(const std::string& token);

}  // namespace ferry::service
