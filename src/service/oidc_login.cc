#include "service/oidc_login.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "net/url.h"
#include "service/database.h"
#include "service/jwt_verify.h"
#include "service/password.h"

namespace ferry::service {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kDiscoveryTtl = std::chrono::hours(1);
constexpr auto kJwksMinRefresh = std::chrono::seconds(30);  // a forged kid must not flood it
constexpr auto kPendingTtl = std::chrono::minutes(10);
constexpr size_t kMaxPending = 10000;
constexpr size_t kMaxDocument = 1 << 20;

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// https, or http to this machine (a provider started by tests).
Status CheckProviderUrl(const std::string& url, const std::string& what) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) {
    return Status::InvalidArgument(what + " '" + url + "' is not an http(s) URL");
  }
  if (parsed->scheme != "https" && !IsLoopback(parsed->host)) {
    return Status::InvalidArgument(what + " '" + url + "' is not https",
                                   "an OpenID provider is reached over TLS (plain http only "
                                   "on loopback)");
  }
  return Status::OK();
}

std::string Pkce(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof(digest)));
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += net::UriEncode(k, false) + "=" + net::UriEncode(v, false);
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

std::string StringOf(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The claim's values: a string, an array of strings, or a space/comma list.
std::vector<std::string> ClaimValues(const json& claims, const std::string& name) {
  std::vector<std::string> out;
  auto it = claims.find(name);
  if (it == claims.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

}  // namespace

namespace {

// The server's target policy refuses loopback for tasks; a provider the admin
// configured on this machine (a test or a local Keycloak) is reached anyway.
net::HttpClientOptions ClientOptionsFor(const std::string& issuer) {
  net::HttpClientOptions o;
  auto url = net::ParseUrl(issuer);
  if (url.ok() && IsLoopback(url->host)) {
    auto policy = std::make_shared<net::TargetPolicy>();
    if (policy->Allow("loopback").ok()) o.targets = std::move(policy);
  }
  return o;
}

}  // namespace

OidcLogin::OidcLogin(OidcOptions options, AccountStore& accounts)
    : options_(std::move(options)), accounts_(accounts),
      http_(std::make_unique<net::HttpClient>(ClientOptionsFor(options_.issuer))) {}

OidcLogin::~OidcLogin() = default;

Status OidcLogin::CheckOptions(const OidcOptions& o) {
  FERRY_RETURN_IF_ERROR(CheckProviderUrl(o.issuer, "--oidc-issuer"));
  if (o.client_id.empty()) {
    return Status::InvalidArgument("--oidc-issuer needs --oidc-client-id",
                                   "the client id registered at the provider for this server");
  }
  if (!o.redirect_url.empty()) {
    auto url = net::ParseUrl(o.redirect_url);
    if (!url.ok()) {
      return Status::InvalidArgument("--oidc-redirect-url '" + o.redirect_url +
                                     "' is not an http(s) URL");
    }
  }
  if (o.scopes.find("openid") == std::string::npos) {
    return Status::InvalidArgument("--oidc-scopes must include 'openid'");
  }
  return Status::OK();
}

Result<json> OidcLogin::GetJson(const std::string& url, const std::string& what,
                                const std::string& bearer) {
  net::HttpRequest req;
  req.url = url;
  req.headers.emplace_back("Accept", "application/json");
  if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
  req.total_timeout = std::chrono::seconds(15);
  auto res = http_->Send(std::move(req));
  if (!res.ok()) {
    return Status::Unavailable("cannot reach the OpenID provider for its " + what + " at " +
                                   url + ": " + res.error().message(),
                               "check --oidc-issuer and that the provider is reachable from "
                               "the server");
  }
  if (res->status != 200) {
    return Status::Unavailable("the OpenID provider answered HTTP " +
                                   std::to_string(res->status) + " for its " + what + " at " +
                                   url,
                               "check --oidc-issuer");
  }
  if (res->body.size() > kMaxDocument) {
    return Status::Unavailable("the OpenID provider's " + what + " is over 1 MiB");
  }
  json doc = json::parse(res->body, nullptr, false);
  if (!doc.is_object()) {
    return Status::Unavailable("the OpenID provider's " + what + " at " + url +
                               " is not a JSON object");
  }
  return doc;
}

Result<OidcLogin::Provider> OidcLogin::Discover() {
  {
    MutexLock lock(mu_);
    if (provider_ && Clock::now() - provider_->fetched < kDiscoveryTtl) return *provider_;
  }
  std::string base = options_.issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto doc = GetJson(base + "/.well-known/openid-configuration", "discovery document");
  if (!doc.ok()) return std::move(doc).take_error();
  if (StringOf(*doc, "issuer") != options_.issuer) {
    return Status::Unavailable("the OpenID provider says its issuer is '" +
                                   StringOf(*doc, "issuer") + "', not '" + options_.issuer + "'",
                               "give --oidc-issuer exactly as the provider's discovery "
                               "document names it");
  }
  Provider p;
  p.authorization_endpoint = StringOf(*doc, "authorization_endpoint");
  p.token_endpoint = StringOf(*doc, "token_endpoint");
  p.userinfo_endpoint = StringOf(*doc, "userinfo_endpoint");
  p.jwks_uri = StringOf(*doc, "jwks_uri");
  for (const auto& [name, url] : {std::pair{"authorization_endpoint", p.authorization_endpoint},
                                  std::pair{"token_endpoint", p.token_endpoint},
                                  std::pair{"jwks_uri", p.jwks_uri}}) {
    if (url.empty()) {
      return Status::Unavailable(std::string("the OpenID provider's discovery document has no ") +
                                 name);
    }
    FERRY_RETURN_IF_ERROR(CheckProviderUrl(url, std::string("the provider's ") + name));
  }
  if (!p.userinfo_endpoint.empty() &&
      !CheckProviderUrl(p.userinfo_endpoint, "userinfo_endpoint").ok()) {
    p.userinfo_endpoint.clear();
  }
  p.auth_methods = ClaimValues(*doc, "token_endpoint_auth_methods_supported");
  p.fetched = Clock::now();
  FERRY_RETURN_IF_ERROR(RefreshJwks(p));
  MutexLock lock(mu_);
  provider_ = p;
  return p;
}

Status OidcLogin::RefreshJwks(Provider& p) {
  auto jwks = GetJson(p.jwks_uri, "signing keys (JWKS)");
  if (!jwks.ok()) return std::move(jwks).take_error();
  p.jwks = std::move(*jwks);
  p.jwks_fetched = Clock::now();
  return Status::OK();
}

Result<OidcLogin::Start> OidcLogin::Begin(const std::string& redirect_uri) {
  auto provider = Discover();
  if (!provider.ok()) return std::move(provider).take_error();
  Pending pending;
  pending.nonce = RandomHex(16);
  pending.verifier = RandomHex(32);  // 64 characters of the unreserved set
  pending.redirect_uri = options_.redirect_url.empty() ? redirect_uri : options_.redirect_url;
  pending.created = Clock::now();
  Start start;
  start.state = RandomHex(16);
  const std::string separator =
      provider->authorization_endpoint.find('?') == std::string::npos ? "?" : "&";
  start.authorization_url =
      provider->authorization_endpoint + separator +
      Form({{"response_type", "code"},
            {"client_id", options_.client_id},
            {"redirect_uri", pending.redirect_uri},
            {"scope", options_.scopes},
            {"state", start.state},
            {"nonce", pending.nonce},
            {"code_challenge", Pkce(pending.verifier)},
            {"code_challenge_method", "S256"}});
  MutexLock lock(mu_);
  const auto now = Clock::now();
  std::erase_if(pending_, [&](const auto& e) { return now - e.second.created > kPendingTtl; });
  if (pending_.size() >= kMaxPending) {
    // Someone starting sign-ins by the thousand must not lock everyone out: the
    // oldest pending one gives way.
    auto oldest = std::min_element(pending_.begin(), pending_.end(), [](const auto& a,
                                                                        const auto& b) {
      return a.second.created < b.second.created;
    });
    pending_.erase(oldest);
  }
  pending_[start.state] = std::move(pending);
  return start;
}

Role OidcLogin::RoleFor(const json& claims) const {
  const auto values = ClaimValues(claims, options_.role_claim);
  auto any_of = [&](const std::vector<std::string>& wanted) {
    return std::any_of(values.begin(), values.end(), [&](const std::string& v) {
      return std::find(wanted.begin(), wanted.end(), v) != wanted.end();
    });
  };
  if (any_of(options_.admin_values)) return Role::kAdmin;
  if (any_of(options_.operator_values)) return Role::kOperator;
  return Role::kViewer;
}

Result<User> OidcLogin::Finish(const std::string& code, const std::string& state,
                               const std::string& state_cookie) {
  Pending pending;
  {
    MutexLock lock(mu_);
    auto it = pending_.find(state);
    if (state.empty() || it == pending_.end() ||
        Clock::now() - it->second.created > kPendingTtl) {
      return Status::Unauthenticated("this sign-in is unknown or took over 10 minutes",
                                     "start the sign-in again");
    }
    pending = it->second;
    pending_.erase(it);  // a state is good for one answer
  }
  if (state_cookie != state) {
    return Status::Unauthenticated("this sign-in was started in another browser",
                                   "start the sign-in again from the console");
  }
  if (code.empty()) return Status::Unauthenticated("the provider's answer has no code");
  auto provider = Discover();
  if (!provider.ok()) return std::move(provider).take_error();

  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "authorization_code"},
      {"code", code},
      {"redirect_uri", pending.redirect_uri},
      {"code_verifier", pending.verifier}};
  net::HttpRequest req;
  req.method = "POST";
  req.url = provider->token_endpoint;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Accept", "application/json");
  const auto& methods = provider->auth_methods;
  const bool post_only = !methods.empty() &&
                         std::find(methods.begin(), methods.end(), "client_secret_basic") ==
                             methods.end() &&
                         std::find(methods.begin(), methods.end(), "client_secret_post") !=
                             methods.end();
  if (options_.client_secret.empty()) {
    fields.emplace_back("client_id", options_.client_id);
  } else if (post_only) {
    fields.emplace_back("client_id", options_.client_id);
    fields.emplace_back("client_secret", options_.client_secret);
  } else {
    req.headers.emplace_back(
        "Authorization",
        "Basic " + Base64(net::UriEncode(options_.client_id, false) + ":" +
                          net::UriEncode(options_.client_secret, false)));
  }
  const std::string body = Form(fields);
  req.body = body;
  req.headers.emplace_back("Content-Length", std::to_string(body.size()));
  req.total_timeout = std::chrono::seconds(15);
  auto res = http_->Send(std::move(req));
  if (!res.ok()) {
    return Status::Unavailable("cannot reach the OpenID provider's token endpoint: " +
                               res.error().message());
  }
  json tokens = json::parse(res->body, nullptr, false);
  if (res->status != 200 || !tokens.is_object()) {
    std::string why = tokens.is_object() ? StringOf(tokens, "error") : "";
    const std::string detail = tokens.is_object() ? StringOf(tokens, "error_description") : "";
    if (!detail.empty()) why += (why.empty() ? "" : ": ") + detail;
    return Status::Unauthenticated(
        "the OpenID provider refused the sign-in code (HTTP " + std::to_string(res->status) +
            (why.empty() ? "" : ", " + why) + ")",
        "check --oidc-client-id, the client secret and the redirect URL registered at the "
        "provider");
  }
  const std::string id_token = StringOf(tokens, "id_token");
  if (id_token.empty()) {
    return Status::Unauthenticated("the OpenID provider's answer has no ID token",
                                   "--oidc-scopes must include 'openid'");
  }

  auto verified = VerifyJwt(id_token, provider->jwks);
  if (!verified.ok() && verified.error().code() == Code::kNotFound) {
    // The provider may have rotated its keys since they were fetched.
    bool refresh = false;
    {
      MutexLock lock(mu_);
      refresh = provider_ && Clock::now() - provider_->jwks_fetched > kJwksMinRefresh;
    }
    if (refresh) {
      Provider fresh = *provider;
      FERRY_RETURN_IF_ERROR(RefreshJwks(fresh));
      {
        MutexLock lock(mu_);
        provider_ = fresh;
      }
      verified = VerifyJwt(id_token, fresh.jwks);
    }
  }
  if (!verified.ok()) {
    const Status& e = verified.error();
    return Status::Unauthenticated("the ID token was refused: " + e.message(), e.hint());
  }
  IdTokenExpectations expect;
  expect.issuer = options_.issuer;
  expect.audience = options_.client_id;
  expect.nonce = pending.nonce;
  expect.now = NowSeconds();
  FERRY_RETURN_IF_ERROR(CheckIdTokenClaims(verified->claims, expect));

  json claims = verified->claims;
  // Providers that keep the role claim out of the ID token give it at userinfo.
  const std::string access_token = StringOf(tokens, "access_token");
  if (!claims.contains(options_.role_claim) && !provider->userinfo_endpoint.empty() &&
      !access_token.empty()) {
    auto info = GetJson(provider->userinfo_endpoint, "userinfo", access_token);
    if (info.ok() && StringOf(*info, "sub") == StringOf(claims, "sub")) {
      for (const auto& [k, v] : info->items()) {
        if (!claims.contains(k)) claims[k] = v;
      }
    }
  }

  std::string name = StringOf(claims, options_.username_claim.c_str());
  if (name.empty()) name = StringOf(claims, "sub");
  std::string clean;
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
  }
  if (clean.empty() || clean.size() > 200) {
    return Status::Unauthenticated("the ID token's '" + options_.username_claim +
                                   "' claim is empty or over 200 bytes",
                                   "--oidc-username-claim names a short unique claim");
  }
  const Role role = RoleFor(claims);
  const std::string username = "oidc:" + clean;
  FERRY_RETURN_IF_ERROR(accounts_.UpsertExternalUser(username, role));
  spdlog::info("OpenID sign-in of '{}' as {}", username, RoleName(role));
  auto user = accounts_.GetUser(username);
  if (!user.ok()) return user;
  return user;
}

}  // namespace ferry::service
