#include "core/md5.h"

#include <openssl/evp.h>

namespace ferry {

Md5::Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }

Md5::~Md5() { EVP_MD_CTX_free(ctx_); }

void Md5::Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

std::string Md5::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, digest, &len);
  return std::string(reinterpret_cast<char*>(digest), len);
}

std::string Md5::Digest(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), len);
}

std::string Md5::Hex(std::string_view digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Md5::Base64(std::string_view digest) {
  std::string out(4 * ((digest.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(digest.data()),
                  static_cast<int>(digest.size()));
  return out;
}

std::string Md5::Unhex(std::string_view hex) {
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() != 32) return "";
  std::string digest(16, '\0');
  for (size_t i = 0; i < digest.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return "";
    digest[i] = static_cast<char>(hi * 16 + lo);
  }
  return digest;
}

std::string Md5Base64(std::string_view data) { return Md5::Base64(Md5::Digest(data)); }

}  // namespace ferry
