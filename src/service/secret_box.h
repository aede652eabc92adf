// Encryption at rest for stored credentials: libsodium's crypto_secretbox
// (XSalsa20-Poly1305) under one key kept in DATA/secret.key (mode 0600).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::service {

class SecretBox {
 public:
  // Reads the key at `path`, creating it (random, mode 0600) when missing.
  // Refuses a key file that others can read.
  static Result<SecretBox> OpenKeyFile(const std::string& path);
  ~SecretBox();
  SecretBox(SecretBox&& other) noexcept;
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;
  SecretBox& operator=(SecretBox&&) = delete;

  struct Sealed {
    std::string nonce;
    std::string ciphertext;
  };
  Sealed Seal(std::string_view plaintext) const;
  // DataLoss when the ciphertext was altered or sealed under another key.
  Result<std::string> Open(const Sealed& sealed) const;

 private:
  SecretBox() = default;
  std::string key_;
};

// Initialises libsodium once; Internal if it cannot.
Status InitCrypto();

}  // namespace ferry::service
