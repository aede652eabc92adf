#include "images/digest.h"

#include <openssl/evp.h>

namespace ferry::images {
namespace {

std::string Hex(const unsigned char* bytes, unsigned int len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

std::string Sha256::FinishDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, digest, &len);
  return "sha256:" + Hex(digest, len);
}

std::string DigestOf(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.FinishDigest();
}

Status CheckDigest(std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument("malformed digest '" + std::string(digest) + "'");
  }
  if (digest.substr(0, colon) != "sha256") {
    return Status::NotSupported("digest algorithm '" + std::string(digest.substr(0, colon)) + "'");
  }
  const std::string_view hex = digest.substr(colon + 1);
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return Status::InvalidArgument("malformed digest '" + std::string(digest) + "'");
  }
  return Status::OK();
}

}  // namespace ferry::images
