// Browser sessions for the console: the session token travels in a cookie
// (HttpOnly, SameSite=Strict, Secure over TLS) instead of an Authorization
// header, and every state-changing request made with that cookie must carry
// the session's CSRF token in X-CSRF-Token. The CSRF token is derived from the
// session token (a BLAKE2b digest under its own prefix), so it needs no storage
// and a page cannot compute it without the HttpOnly cookie it cannot read.
#pragma once

#include <string>

#include "core/status.h"
#include "service/account_store.h"

namespace httplib {
struct Request;
struct Response;
class Server;
}  // namespace httplib

namespace ferry::service {

struct ApiContext;

inline constexpr char kSessionCookie[] = "ferry_session";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";
inline constexpr int64_t kWebSessionSeconds = 12 * 3600;

// The value of cookie `name` in the request's Cookie header; "" when absent.
std::string CookieValue(const httplib::Request& req, const std::string& name);

// The CSRF token that goes with the session token `session`.
std::string CsrfToken(const std::string& session);

// Whether cookies set on this answer must be Secure: served over TLS, or behind
// a proxy that says it terminated TLS (X-Forwarded-Proto: https).
bool IsSecureRequest(const ApiContext& api, const httplib::Request& req);

// Set-Cookie for the session (max_age 0 clears it).
void SetSessionCookie(const ApiContext& api, const httplib::Request& req, httplib::Response& res,
                      const std::string& token, int64_t max_age);

// Who sent `req`: a bearer token (Authorization header) or, without one, the
// session cookie; with the cookie, methods other than GET and HEAD need the
// CSRF header. Unauthenticated / PermissionDenied otherwise.
Result<Principal> AuthenticateRequest(ApiContext& api, const httplib::Request& req);

// POST /api/v1/auth/session (sign in: sets the cookie, answers the CSRF token),
// DELETE /api/v1/auth/session (sign out), GET /api/v1/auth/session (who is
// signed in and the CSRF token, for a page that was reloaded) and
// GET /api/v1/auth/providers (which sign-ins the console offers).
void AddSessionRoutes(httplib::Server& server, ApiContext& api);

}  // namespace ferry::service
