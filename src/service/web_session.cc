#include "service/web_session.h"

#include <spdlog/spdlog.h>

#include "service/api_routes.h"
#include "service/oidc_login.h"
#include "service/password.h"

namespace ferry::service {
namespace {

using nlohmann::json;

bool IsSafeMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// Compares in time independent of where the strings differ.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

json SessionJson(const User& user, const std::string& session) {
  return {{"username", user.username},
          {"role", RoleName(user.role)},
          {"csrf_token", CsrfToken(session)}};
}

}  // namespace

std::string CookieValue(const httplib::Request& req, const std::string& name) {
  // Several Cookie headers may arrive; each is "a=1; b=2".
  const size_t n = req.get_header_value_count("Cookie");
  for (size_t i = 0; i < n; ++i) {
    const std::string header = req.get_header_value("Cookie", i);
    size_t pos = 0;
    while (pos < header.size()) {
      size_t end = header.find(';', pos);
      if (end == std::string::npos) end = header.size();
      std::string_view pair(header.data() + pos, end - pos);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
      pos = end + 1;
    }
  }
  return "";
}

std::string CsrfToken(const std::string& session) { return TokenDigest("csrf:" + session); }

bool IsSecureRequest(const ApiContext& api, const httplib::Request& req) {
  return api.tls || req.get_header_value("X-Forwarded-Proto") == "https";
}

void SetSessionCookie(const ApiContext& api, const httplib::Request& req, httplib::Response& res,
                      const std::string& token, int64_t max_age) {
  std::string cookie = std::string(kSessionCookie) + "=" + token +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (IsSecureRequest(api, req)) cookie += "; Secure";
  res.set_header("Set-Cookie", cookie);
}

Result<Principal> AuthenticateRequest(ApiContext& api, const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.empty()) {
    const std::string session = CookieValue(req, kSessionCookie);
    if (!session.empty()) {
      auto principal = api.accounts.Authenticate(session);
      if (!principal.ok()) {
        return Status::Unauthenticated("your session has ended", "sign in again");
      }
      // SameSite=Strict already keeps the cookie off other sites' requests; the
      // header is the second lock, for browsers or proxies that ignore it.
      if (!IsSafeMethod(req.method) &&
          !SameSecret(req.get_header_value(kCsrfHeader), CsrfToken(session))) {
        return Status::PermissionDenied(
            "this request came with the session cookie but without its CSRF token",
            "send the csrf_token of GET /api/v1/auth/session in the X-CSRF-Token header; a "
            "page reload fetches it again");
      }
      return principal;
    }
  }
  if (!header.starts_with(kBearer) || header.size() == kBearer.size()) {
    return Status::Unauthenticated("this route needs 'Authorization: Bearer TOKEN'",
                                   "sign in: ferry login, or POST /api/v1/auth/login");
  }
  return api.accounts.Authenticate(header.substr(kBearer.size()));
}

void AddSessionRoutes(httplib::Server& s, ApiContext& api) {
  s.Post("/api/v1/auth/session", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseObjectBody(req);
    if (!body.ok()) return ReplyError(res, body.error());
    const json& b = *body;
    if (!b.contains("username") || !b["username"].is_string() || !b.contains("password") ||
        !b["password"].is_string()) {
      return ReplyError(res, Status::InvalidArgument(
                                 "give 'username' and 'password' as strings"));
    }
    const std::string username = b["username"].get<std::string>();
    const std::string throttle_key = username + "|" + req.remote_addr;
    Status allowed = api.logins.Check(throttle_key, NowSeconds());
    if (!allowed.ok()) {
      spdlog::warn("sign-in for '{}' from {} refused: locked out", username, req.remote_addr);
      return ReplyError(res, allowed);
    }
    auto user = api.accounts.CheckPassword(username, b["password"].get<std::string>());
    if (!user.ok()) {
      spdlog::warn("failed sign-in for '{}' from {}", username, req.remote_addr);
      api.logins.Failed(throttle_key, NowSeconds());
      return ReplyError(res, user.error());
    }
    api.logins.Succeeded(throttle_key);
    auto issued = api.accounts.IssueToken(user->username, "session", "console",
                                          kWebSessionSeconds);
    if (!issued.ok()) return ReplyError(res, issued.error());
    SetSessionCookie(api, req, res, issued->token, kWebSessionSeconds);
    ReplyJson(res, 200, SessionJson(*user, issued->token));
  });

  s.Get("/api/v1/auth/session",
        Guard(api, Role::kViewer, [](const httplib::Request& req, httplib::Response& res,
                                     const Principal& who) {
          const std::string session = CookieValue(req, kSessionCookie);
          json out = SessionJson(who.user, session);
          // A bearer-token client has no cookie and needs no CSRF token.
          if (!req.get_header_value("Authorization").empty() || session.empty()) {
            out["csrf_token"] = nullptr;
          }
          ReplyJson(res, 200, out);
        }));

  s.Delete("/api/v1/auth/session",
           Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                            const Principal&) {
             // Ends the cookie's session only: a bearer token is ended by its own route.
             const std::string session = CookieValue(req, kSessionCookie);
             if (!session.empty()) {
               auto owner = api.accounts.Authenticate(session);
               if (owner.ok()) {
                 Status st = api.accounts.RevokeToken(owner->token_id, owner->user.username);
                 if (!st.ok()) return ReplyError(res, st);
               }
             }
             SetSessionCookie(api, req, res, "", 0);
             res.status = 204;
           }));

  s.Get("/api/v1/auth/providers", [&api](const httplib::Request&, httplib::Response& res) {
    json out = {{"local", true}, {"oidc", nullptr}};
    if (api.oidc != nullptr) {
      out["oidc"] = {{"issuer", api.oidc->issuer()}, {"login_url", "/api/v1/auth/oidc/login"}};
    }
    ReplyJson(res, 200, out);
  });
}

}  // namespace ferry::service
