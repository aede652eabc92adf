// Sign-in through an OpenID Connect provider: the authorization code flow with
// PKCE (RFC 7636), the provider found by discovery (.well-known/openid-
// configuration), the ID token checked against the provider's JWKS (signature,
// issuer, audience, expiry, nonce), and the user's role taken from a claim.
//
// A person signed in this way is the user "oidc:<claim>" (local names cannot
// hold ':', so no local account can be taken over); their role is set from the
// role claim at every sign-in.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "net/http_client.h"
#include "service/account_store.h"

namespace ferry::service {

struct OidcOptions {
  std::string issuer;          // https://... (http:// only on loopback, for tests)
  std::string client_id;
  std::string client_secret;   // "" = a public client (PKCE only)
  std::string scopes = "openid profile email";
  std::string role_claim = "groups";   // a string or an array of strings
  std::vector<std::string> admin_values;
  std::vector<std::string> operator_values;
  std::string username_claim = "sub";  // must be unique at the provider
  std::string redirect_url;    // "" = this server's /api/v1/auth/oidc/callback as requested
};

class OidcLogin {
 public:
  OidcLogin(OidcOptions options, AccountStore& accounts);
  ~OidcLogin();
  OidcLogin(const OidcLogin&) = delete;
  OidcLogin& operator=(const OidcLogin&) = delete;

  // Checks the options (issuer scheme, client id). Discovery happens at the first sign-in.
  static Status CheckOptions(const OidcOptions& options);

  const std::string& issuer() const { return options_.issuer; }
  const OidcOptions& options() const { return options_; }

  struct Start {
    std::string authorization_url;  // where to send the browser
    std::string state;               // also set in a cookie, to bind the answer to this browser
  };
  // A new sign-in answered at `redirect_uri`.
  Result<Start> Begin(const std::string& redirect_uri);

  // The provider's answer: `state` must be a pending sign-in and equal `state_cookie`.
  // Exchanges the code, checks the ID token, and creates or updates the user.
  Result<User> Finish(const std::string& code, const std::string& state,
                      const std::string& state_cookie);

  // The role a set of claims maps to (claims as in the ID token or userinfo).
  Role RoleFor(const nlohmann::json& claims) const;

 private:
  struct Provider {
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string userinfo_endpoint;
    std::string jwks_uri;
    std::vector<std::string> auth_methods;  // token_endpoint_auth_methods_supported
    nlohmann::json jwks;
    std::chrono::steady_clock::time_point fetched;
    std::chrono::steady_clock::time_point jwks_fetched;
  };
  struct Pending {
    std::string nonce;
    std::string verifier;
    std::string redirect_uri;
    std::chrono::steady_clock::time_point created;
  };

  Result<Provider> Discover();
  Status RefreshJwks(Provider& provider);
  Result<nlohmann::json> GetJson(const std::string& url, const std::string& what,
                                 const std::string& bearer = "");

  OidcOptions options_;
  AccountStore& accounts_;
  std::unique_ptr<net::HttpClient> http_;

  Mutex mu_;
  std::optional<Provider> provider_ GUARDED_BY(mu_);
  std::map<std::string, Pending> pending_ GUARDED_BY(mu_);  // by state
};

}  // namespace ferry::service
