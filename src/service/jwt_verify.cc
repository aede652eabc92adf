#include "service/jwt_verify.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <memory>

namespace ferry::service {
namespace {

using nlohmann::json;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

struct Algorithm {
  const char* name;
  const char* kty;      // RSA or EC
  const EVP_MD* (*md)();
  bool pss;
  const char* curve;    // EC: the JWK crv; RSA: null
  size_t coordinate;    // EC: bytes of r and s
};

const Algorithm kAlgorithms[] = {
    {"RS256", "RSA", EVP_sha256, false, nullptr, 0},
    {"RS384", "RSA", EVP_sha384, false, nullptr, 0},
    {"RS512", "RSA", EVP_sha512, false, nullptr, 0},
    {"PS256", "RSA", EVP_sha256, true, nullptr, 0},
    {"PS384", "RSA", EVP_sha384, true, nullptr, 0},
    {"PS512", "RSA", EVP_sha512, true, nullptr, 0},
    {"ES256", "EC", EVP_sha256, false, "P-256", 32},
    {"ES384", "EC", EVP_sha384, false, "P-384", 48},
    {"ES512", "EC", EVP_sha512, false, "P-521", 66},
};

const Algorithm* FindAlgorithm(const std::string& name) {
  for (const auto& a : kAlgorithms) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

std::string JwkString(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  return it != jwk.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<BnPtr> JwkNumber(const json& jwk, const char* name) {
  auto bytes = Base64UrlDecode(JwkString(jwk, name));
  if (!bytes.ok() || bytes->empty()) {
    return Status::InvalidArgument(std::string("a signing key of the provider has no valid '") +
                                   name + "'");
  }
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                     static_cast<int>(bytes->size()), nullptr));
  if (!bn) return Status::Internal("out of memory reading a signing key");
  return bn;
}

Result<PkeyPtr> PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Status::InvalidArgument(std::string("a ") + type +
                                   " signing key of the provider is not valid");
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> RsaKey(const json& jwk) {
  auto n = JwkNumber(jwk, "n");
  if (!n.ok()) return std::move(n).take_error();
  auto e = JwkNumber(jwk, "e");
  if (!e.ok()) return std::move(e).take_error();
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n->get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e->get()) != 1) {
    return Status::Internal("out of memory reading a signing key");
  }
  auto key = PublicKeyFromParams("RSA", bld.get());
  if (!key.ok()) return key;
  if (EVP_PKEY_get_bits(key->get()) < 2048) {
    return Status::Unauthenticated("the provider's RSA signing key is shorter than 2048 bits");
  }
  return key;
}

Result<PkeyPtr> EcKey(const json& jwk, const Algorithm& alg) {
  if (JwkString(jwk, "crv") != alg.curve) {
    return Status::Unauthenticated(std::string("the signing key's curve is not ") + alg.curve +
                                   " as " + alg.name + " needs");
  }
  auto x = Base64UrlDecode(JwkString(jwk, "x"));
  auto y = Base64UrlDecode(JwkString(jwk, "y"));
  if (!x.ok() || !y.ok() || x->size() != alg.coordinate || y->size() != alg.coordinate) {
    return Status::InvalidArgument("an EC signing key of the provider has no valid x and y");
  }
  std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
  const char* group = alg.coordinate == 32 ? "P-256" : alg.coordinate == 48 ? "P-384" : "P-521";
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Status::Internal("out of memory reading a signing key");
  }
  return PublicKeyFromParams("EC", bld.get());
}

// JWS ECDSA signatures are r||s; OpenSSL verifies DER.
Result<std::string> EcdsaToDer(const std::string& raw, size_t coordinate) {
  if (raw.size() != 2 * coordinate) {
    return Status::Unauthenticated("the ID token's signature has the wrong length");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(coordinate), nullptr);
  BIGNUM* s = BN_bin2bn(p + coordinate, static_cast<int>(coordinate), nullptr);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Status::Internal("out of memory checking a signature");
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return Status::Internal("cannot encode a signature");
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else return Status::InvalidArgument("not base64url");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

Result<VerifiedJwt> VerifyJwt(const std::string& jwt, const json& jwks) {
  const size_t dot1 = jwt.find('.');
  const size_t dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string::npos || jwt.find('.', dot2 + 1) != std::string::npos) {
    return Status::InvalidArgument("the ID token is not a signed JWT (three parts)");
  }
  auto header_text = Base64UrlDecode(std::string_view(jwt).substr(0, dot1));
  auto claims_text = Base64UrlDecode(std::string_view(jwt).substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(std::string_view(jwt).substr(dot2 + 1));
  if (!header_text.ok() || !claims_text.ok() || !signature.ok()) {
    return Status::InvalidArgument("the ID token is not base64url");
  }
  VerifiedJwt out;
  out.header = json::parse(*header_text, nullptr, false);
  out.claims = json::parse(*claims_text, nullptr, false);
  if (!out.header.is_object() || !out.claims.is_object()) {
    return Status::InvalidArgument("the ID token's header or claims are not JSON objects");
  }
  const std::string alg_name = out.header.value("alg", "");
  const Algorithm* alg = FindAlgorithm(alg_name);
  if (alg == nullptr) {
    return Status::Unauthenticated("the ID token is signed with '" + alg_name +
                                   "', which ferry does not accept",
                                   "RS256, PS256 or ES256 (and their 384/512 forms)");
  }
  const std::string kid = out.header.contains("kid") && out.header["kid"].is_string()
                              ? out.header["kid"].get<std::string>()
                              : "";
  const json* jwk = nullptr;
  int candidates = 0;
  if (jwks.is_object() && jwks.contains("keys") && jwks["keys"].is_array()) {
    for (const auto& k : jwks["keys"]) {
      if (!k.is_object() || JwkString(k, "kty") != alg->kty) continue;
      const std::string use = JwkString(k, "use");
      if (!use.empty() && use != "sig") continue;
      if (!kid.empty()) {
        if (JwkString(k, "kid") == kid) jwk = &k;
      } else {
        ++candidates;
        jwk = &k;
      }
    }
  }
  if (jwk == nullptr || (kid.empty() && candidates != 1)) {
    return Status::NotFound("the provider's key set has no " + std::string(alg->kty) +
                            " key" + (kid.empty() ? "" : " with kid '" + kid + "'"));
  }
  auto key = std::string(alg->kty) == "RSA" ? RsaKey(*jwk) : EcKey(*jwk, *alg);
  if (!key.ok()) return std::move(key).take_error();
  std::string sig = *signature;
  if (alg->coordinate > 0) {
    auto der = EcdsaToDer(sig, alg->coordinate);
    if (!der.ok()) return std::move(der).take_error();
    sig = std::move(*der);
  }
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, alg->md(), nullptr, key->get()) != 1) {
    return Status::Internal("cannot set up the signature check");
  }
  if (alg->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return Status::Internal("cannot set up the PSS signature check");
  }
  const std::string_view signed_part(jwt.data(), dot2);
  if (EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
    return Status::Unauthenticated("the ID token's signature does not verify with the "
                                   "provider's key");
  }
  return out;
}

Status CheckIdTokenClaims(const json& c, const IdTokenExpectations& e) {
  auto fail = [](const std::string& why) {
    return Status::Unauthenticated("the ID token was refused: " + why,
                                   "check the server's clock and --oidc-issuer / "
                                   "--oidc-client-id against the provider's settings");
  };
  if (c.value("iss", json()) != json(e.issuer)) {
    return fail("its issuer is not '" + e.issuer + "'");
  }
  const json& aud = c.contains("aud") ? c["aud"] : json();
  bool for_us = false;
  size_t audiences = 0;
  if (aud.is_string()) {
    for_us = aud.get<std::string>() == e.audience;
    audiences = 1;
  } else if (aud.is_array()) {
    for (const auto& a : aud) for_us |= a.is_string() && a.get<std::string>() == e.audience;
    audiences = aud.size();
  }
  if (!for_us) return fail("its audience is not the client id '" + e.audience + "'");
  if (audiences > 1 || c.contains("azp")) {
    if (c.value("azp", json()) != json(e.audience)) {
      return fail("it names another authorized party (azp)");
    }
  }
  if (!c.contains("exp") || !c["exp"].is_number()) return fail("it has no expiry (exp)");
  if (c["exp"].get<double>() + static_cast<double>(e.leeway) <= static_cast<double>(e.now)) {
    return fail("it has expired");
  }
  if (!c.contains("iat") || !c["iat"].is_number()) return fail("it has no issue time (iat)");
  if (c["iat"].get<double>() > static_cast<double>(e.now + e.leeway)) {
    return fail("it was issued in the future (iat)");
  }
  if (c.contains("nbf") &&
      (!c["nbf"].is_number() ||
       c["nbf"].get<double>() > static_cast<double>(e.now + e.leeway))) {
    return fail("it is not valid yet (nbf)");
  }
  if (c.value("nonce", json()) != json(e.nonce)) {
    return fail("its nonce is not the one this sign-in sent");
  }
  if (!c.contains("sub") || !c["sub"].is_string() || c["sub"].get<std::string>().empty()) {
    return fail("it has no subject (sub)");
  }
  return Status::OK();
}

}  // namespace ferry::service
