// Internal to the REST API: what the route files share. Every route but
// /api/v1/health goes through Guard (authentication, then the role check).
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "core/status.h"
#include "service/account_store.h"
#include "service/credential_store.h"
#include "service/login_throttle.h"
#include "service/scheduler.h"
#include "service/task_check.h"
#include "service/task_store.h"

namespace ferry::service {

class OidcLogin;
class RunSeriesRecorder;

struct ApiContext {
  TaskStore& tasks;
  AccountStore& accounts;
  CredentialStore& credentials;
  Scheduler& scheduler;
  TaskRunner& runner;
  const TaskCheckContext& check;
  std::string version;
  LoginThrottle logins;
  // The console's parts (console_routes.h); null when not configured.
  OidcLogin* oidc = nullptr;
  RunSeriesRecorder* series = nullptr;
  bool tls = false;  // served over TLS: session cookies are Secure
};

using GuardedHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const Principal&)>;

// Authenticates the bearer token, requires at least `min` and calls `handler`;
// 401 without a valid token, 403 below the role.
httplib::Server::Handler Guard(ApiContext& api, Role min, GuardedHandler handler);

void ReplyJson(httplib::Response& res, int status, const nlohmann::json& body);
// The HTTP status for the code, and {"error": {"code", "message", "hint"}}.
void ReplyError(httplib::Response& res, const Status& status);
// The request body as JSON; InvalidArgument when it is not (or not an object).
Result<nlohmann::json> ParseObjectBody(const httplib::Request& req);
// Query parameter `name` as an integer in [min, max], else `fallback` when absent.
Result<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t min, int64_t max,
                         int64_t fallback);

void AddTaskRoutes(httplib::Server& server, ApiContext& api);
// PUT /api/v1/tasks/{id} with `body` already parsed (PATCH merges, then calls this).
void ReplaceTaskSpec(ApiContext& api, const std::string& id, const nlohmann::json& body,
                     const Principal& who, httplib::Response& res);
void AddAccountRoutes(httplib::Server& server, ApiContext& api);
// The console's API additions: sessions, OIDC, task pages, series, retries (console_routes.h).
void AddConsoleApiRoutes(httplib::Server& server, ApiContext& api);

}  // namespace ferry::service
