// Content digests ("sha256:<64 hex>") and the streaming hasher that checks them.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

struct evp_md_ctx_st;

namespace ferry::images {

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // "sha256:<hex>"; the hasher cannot be updated afterwards.
  std::string FinishDigest();

 private:
  ::evp_md_ctx_st* ctx_;
};

// "sha256:<hex>" of `data`.
std::string DigestOf(std::string_view data);

// OK for "sha256:<64 lower-case hex>"; other algorithms are NotSupported,
// anything else InvalidArgument.
Status CheckDigest(std::string_view digest);

}  // namespace ferry::images
