// MD5 (OpenSSL EVP): the digests ferry proves copies with, an ETag of a single-part
// upload, the Content-MD5 a store checks a write against.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace ferry {

// Incremental MD5: part and object checksums.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void Update(std::string_view data);
  // The 16-byte digest; the hasher cannot be updated afterwards.
  std::string Finish();

  static std::string Digest(std::string_view data);  // 16 raw bytes
  static std::string Hex(std::string_view digest);
  static std::string Base64(std::string_view digest);
  // The raw digest of an MD5 written in hex (an ETag); empty if it is not 32 hex digits.
  static std::string Unhex(std::string_view hex);

 private:
  ::evp_md_ctx_st* ctx_;
};

// Base64 of the MD5 digest: the Content-MD5 header.
std::string Md5Base64(std::string_view data);

}  // namespace ferry
