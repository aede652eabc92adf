#include "service/jwt_verify.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <vector>

namespace ferry::service {
namespace {

using nlohmann::json;

// A key pair made here, its public half as a JWK, and a signer of JWTs with it.
class TestKey {
 public:
  TestKey(const char* type, const char* kid) : kid_(kid) {
    if (std::string(type) == "RSA") {
      key_ = EVP_RSA_gen(2048);
    } else {
      key_ = EVP_EC_gen("P-256");
    }
  }
  ~TestKey() { EVP_PKEY_free(key_); }

  json Jwk() const {
    json j = {{"kid", kid_}, {"use", "sig"}};
    if (EVP_PKEY_get_base_id(key_) == EVP_PKEY_RSA) {
      j["kty"] = "RSA";
      j["n"] = Number(OSSL_PKEY_PARAM_RSA_N, 0);
      j["e"] = Number(OSSL_PKEY_PARAM_RSA_E, 0);
    } else {
      j["kty"] = "EC";
      j["crv"] = "P-256";
      j["x"] = Number(OSSL_PKEY_PARAM_EC_PUB_X, 32);
      j["y"] = Number(OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    }
    return j;
  }

  std::string Sign(const json& claims, const std::string& alg, json header = json::object()) const {
    header["alg"] = alg;
    if (!header.contains("kid")) header["kid"] = kid_;
    const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(md, &pctx, EVP_sha256(), nullptr, key_);
    if (alg == "PS256") {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    size_t len = 0;
    EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(md);
    if (alg == "ES256") {  // DER to JWS's r||s
      const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
      ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
      std::string raw(64, '\0');
      BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
      BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
      ECDSA_SIG_free(es);
      sig = raw;
    }
    return input + "." + Base64UrlEncode(sig);
  }

 private:
  std::string Number(const char* name, int pad) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return Base64UrlEncode(out);
  }

  EVP_PKEY* key_;
  std::string kid_;
};

json Claims(int64_t now) {
  return {{"iss", "https://id.example.com"}, {"aud", "ferry"}, {"sub", "alice"},
          {"exp", now + 300}, {"iat", now}, {"nonce", "n-1"}};
}

IdTokenExpectations Expect(int64_t now) {
  IdTokenExpectations e;
  e.issuer = "https://id.example.com";
  e.audience = "ferry";
  e.nonce = "n-1";
  e.now = now;
  return e;
}

TEST(JwtVerifyTest, Base64UrlRoundTrips) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob",
                                                       std::string("\xff\xfe\x00\x01", 4)}) {
    auto back = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(Base64UrlDecode("a b").ok());
}

TEST(JwtVerifyTest, AcceptsRs256Ps256AndEs256SignedByTheKeySet) {
  TestKey rsa("RSA", "r1"), ec("EC", "e1");
  json jwks = {{"keys", {rsa.Jwk(), ec.Jwk()}}};
  const int64_t now = 1'800'000'000;
  for (const auto& [key, alg] : {std::pair{&rsa, "RS256"}, std::pair{&rsa, "PS256"},
                                 std::pair{&ec, "ES256"}}) {
    auto v = VerifyJwt(key->Sign(Claims(now), alg), jwks);
    ASSERT_TRUE(v.ok()) << alg << ": " << v.error().ToString();
    EXPECT_EQ(v->claims["sub"], "alice");
    EXPECT_TRUE(CheckIdTokenClaims(v->claims, Expect(now)).ok());
  }
}

TEST(JwtVerifyTest, RefusesATamperedTokenAnotherKeyAndUnsignedTokens) {
  TestKey rsa("RSA", "r1"), other("RSA", "r1");
  json jwks = {{"keys", {rsa.Jwk()}}};
  const std::string good = rsa.Sign(Claims(1), "RS256");
  // Claims changed after signing.
  json changed = Claims(1);
  changed["sub"] = "mallory";
  const size_t dot1 = good.find('.'), dot2 = good.rfind('.');
  const std::string tampered =
      good.substr(0, dot1 + 1) + Base64UrlEncode(changed.dump()) + good.substr(dot2);
  auto v = VerifyJwt(tampered, jwks);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), Code::kUnauthenticated);
  // Signed by a key with the same kid that the provider never published.
  v = VerifyJwt(other.Sign(Claims(1), "RS256"), jwks);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), Code::kUnauthenticated);
  // A kid the set does not have: NotFound, so the caller fetches the set again.
  v = VerifyJwt(rsa.Sign(Claims(1), "RS256", {{"kid", "r2"}}), jwks);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), Code::kNotFound);
  // alg none and HMAC are refused whatever the signature.
  const std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." +
                           Base64UrlEncode(Claims(1).dump()) + ".";
  v = VerifyJwt(none, jwks);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("'none'"), std::string::npos);
  v = VerifyJwt(rsa.Sign(Claims(1), "HS256"), jwks);
  ASSERT_FALSE(v.ok());
  for (const char* junk : {"", "a.b", "a.b.c.d", "!!.??.##", "e30.e30.", "W10.W10.AA"}) {
    EXPECT_FALSE(VerifyJwt(junk, jwks).ok()) << junk;
  }
}

TEST(JwtVerifyTest, ClaimsMustNameThisIssuerClientAndNonceAndBeCurrent) {
  const int64_t now = 1'800'000'000;
  auto refused = [&](json c, const std::string& why) {
    Status st = CheckIdTokenClaims(c, Expect(now));
    EXPECT_EQ(st.code(), Code::kUnauthenticated) << why;
    EXPECT_NE(st.message().find(why), std::string::npos) << st.message();
  };
  json c = Claims(now);
  c["iss"] = "https://evil.example.com";
  refused(c, "issuer");
  c = Claims(now);
  c["aud"] = "another-client";
  refused(c, "audience");
  c = Claims(now);
  c["aud"] = json::array({"ferry", "another-client"});  // several: azp must be us
  refused(c, "authorized party");
  c["azp"] = "ferry";
  EXPECT_TRUE(CheckIdTokenClaims(c, Expect(now)).ok());
  c = Claims(now);
  c["exp"] = now - 61;  // past the minute of leeway
  refused(c, "expired");
  c["exp"] = now - 30;  // within it
  EXPECT_TRUE(CheckIdTokenClaims(c, Expect(now)).ok());
  c = Claims(now);
  c.erase("exp");
  refused(c, "expiry");
  c = Claims(now);
  c["iat"] = now + 3600;
  refused(c, "future");
  c = Claims(now);
  c["nonce"] = "n-2";
  refused(c, "nonce");
  c.erase("nonce");
  refused(c, "nonce");
  c = Claims(now);
  c["nbf"] = now + 3600;
  refused(c, "not valid yet");
}

}  // namespace
}  // namespace ferry::service
