// The API routes the console added: OpenID sign-in, schedule previews, a run's
// progress series, retrying a run's failed objects, and PATCH of a task.
#include <spdlog/spdlog.h>

#include "net/url.h"
#include "service/api_routes.h"
#include "service/oidc_login.h"
#include "service/run_series.h"
#include "service/schedule.h"
#include "service/task_json.h"
#include "service/web_session.h"

namespace ferry::service {
namespace {

using nlohmann::json;

constexpr char kOidcStateCookie[] = "ferry_oidc_state";

// Where the provider sends the browser back: this server as the browser named it.
std::string CallbackUrl(const ApiContext& api, const httplib::Request& req) {
  const std::string scheme = IsSecureRequest(api, req) ? "https" : "http";
  return scheme + "://" + req.get_header_value("Host") + "/api/v1/auth/oidc/callback";
}

void Redirect(httplib::Response& res, const std::string& location) {
  res.status = 302;
  res.set_header("Location", location);
  res.set_header("Cache-Control", "no-store");
}

// The console's sign-in page, showing `message`.
void RedirectToSignIn(httplib::Response& res, const std::string& message) {
  Redirect(res, "/login?error=" + net::UriEncode(message, false));
}

void AddOidcRoutes(httplib::Server& s, ApiContext& api) {
  s.Get("/api/v1/auth/oidc/login", [&api](const httplib::Request& req, httplib::Response& res) {
    if (api.oidc == nullptr) {
      return ReplyError(res, Status::NotFound("OpenID Connect sign-in is not configured",
                                              "start the server with --oidc-issuer and "
                                              "--oidc-client-id"));
    }
    auto start = api.oidc->Begin(CallbackUrl(api, req));
    if (!start.ok()) {
      spdlog::warn("OpenID sign-in could not start: {}", start.error().ToString());
      return RedirectToSignIn(res, start.error().message());
    }
    // Lax, not Strict: the browser comes back from the provider's site.
    std::string cookie = std::string(kOidcStateCookie) + "=" + start->state +
                         "; Path=/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600";
    if (IsSecureRequest(api, req)) cookie += "; Secure";
    res.set_header("Set-Cookie", cookie);
    Redirect(res, start->authorization_url);
  });

  s.Get("/api/v1/auth/oidc/callback",
        [&api](const httplib::Request& req, httplib::Response& res) {
          if (api.oidc == nullptr) {
            return ReplyError(res, Status::NotFound("OpenID Connect sign-in is not configured"));
          }
          if (req.has_param("error")) {
            std::string why = req.get_param_value("error");
            if (req.has_param("error_description")) {
              why += ": " + req.get_param_value("error_description");
            }
            return RedirectToSignIn(res, "the identity provider refused the sign-in (" +
                                             why.substr(0, 300) + ")");
          }
          auto user = api.oidc->Finish(req.get_param_value("code"),
                                       req.get_param_value("state"),
                                       CookieValue(req, kOidcStateCookie));
          if (!user.ok()) {
            spdlog::warn("OpenID sign-in refused: {}", user.error().ToString());
            return RedirectToSignIn(res, user.error().message());
          }
          auto issued = api.accounts.IssueToken(user->username, "session", "oidc",
                                                kWebSessionSeconds);
          if (!issued.ok()) return RedirectToSignIn(res, issued.error().message());
          SetSessionCookie(api, req, res, issued->token, kWebSessionSeconds);
          Redirect(res, "/");
        });
}

// The first `count` run times of a schedule from now, as the scheduler computes them.
void AddScheduleRoutes(httplib::Server& s, ApiContext& api) {
  s.Get("/api/v1/schedules/next",
        Guard(api, Role::kViewer, [](const httplib::Request& req, httplib::Response& res,
                                     const Principal&) {
          auto count = IntParam(req, "count", 1, 100, 5);
          if (!count.ok()) return ReplyError(res, count.error());
          const std::string text = req.get_param_value("schedule");
          auto schedule = Schedule::Parse(text);
          if (!schedule.ok()) return ReplyError(res, schedule.error());
          json times = json::array();
          const char* kind = schedule->kind() == Schedule::Kind::kOnce   ? "once"
                             : schedule->kind() == Schedule::Kind::kRate ? "rate"
                                                                         : "cron";
          std::optional<int64_t> t = schedule->FirstFire(NowSeconds());
          while (t && static_cast<int64_t>(times.size()) < *count) {
            times.push_back(*t);
            t = schedule->NextFire(*t, *t + 1);
          }
          ReplyJson(res, 200, {{"schedule", schedule->text()}, {"kind", kind}, {"next", times}});
        }));
}

void AddRunRoutes(httplib::Server& s, ApiContext& api) {
  s.Get(R"(/api/v1/runs/([^/]+)/series)",
        Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                         const Principal&) {
          auto run = api.tasks.GetRun(req.matches[1]);
          if (!run.ok()) return ReplyError(res, run.error());
          if (api.series == nullptr) {
            return ReplyError(res, Status::NotFound("this server keeps no progress series"));
          }
          auto points = api.series->Points(*run);
          if (!points.ok()) return ReplyError(res, points.error());
          json out = json::array();
          const SeriesPoint* prev = nullptr;
          for (const SeriesPoint& p : *points) {
            double bps = 0, ops = 0;
            if (prev != nullptr && p.time_ms > prev->time_ms) {
              const double dt = static_cast<double>(p.time_ms - prev->time_ms) / 1000.0;
              bps = static_cast<double>(p.bytes_done - std::min(p.bytes_done, prev->bytes_done)) /
                    dt;
              ops = static_cast<double>(p.objects_done -
                                        std::min(p.objects_done, prev->objects_done)) /
                    dt;
            }
            out.push_back({{"time_ms", p.time_ms},
                           {"bytes_done", p.bytes_done},
                           {"objects_done", p.objects_done},
                           {"failed", p.failed},
                           {"bytes_per_second", bps},
                           {"objects_per_second", ops}});
            prev = &p;
          }
          ReplyJson(res, 200, {{"run_id", run->id},
                               {"interval_seconds", api.series->interval_seconds()},
                               {"points", out}});
        }));

  s.Post(R"(/api/v1/runs/([^/]+)/retry)",
         Guard(api, Role::kOperator, [&api](const httplib::Request& req, httplib::Response& res,
                                            const Principal& who) {
           auto run = api.tasks.GetRun(req.matches[1]);
           if (!run.ok()) return ReplyError(res, run.error());
           if (run->state == RunState::kRunning) {
             return ReplyError(res, Status(Code::kFailedPrecondition,
                                           "run " + run->id + " is still running",
                                           "retry its failed objects when it has ended"));
           }
           std::vector<std::string> keys;
           for (const auto& f : run->progress.failures) keys.push_back(f.key);
           if (keys.empty()) {
             return ReplyError(res, Status(Code::kFailedPrecondition,
                                           "run " + run->id + " has no failed objects to retry"));
           }
           auto task = api.tasks.Get(run->task_id);
           if (!task.ok()) return ReplyError(res, task.error());
           if (task->spec.sync.mode == engine::RunMode::kCheck) {
             return ReplyError(res, Status(Code::kFailedPrecondition,
                                           "task " + task->id + " only checks; it copies nothing "
                                           "to retry"));
           }
           auto started = api.scheduler.RetryKeys(task->id, std::move(keys),
                                                  std::to_string(run->number));
           if (!started.ok()) return ReplyError(res, started.error());
           spdlog::info("task {}: failed objects of run {} retried by {}", task->id, run->id,
                        who.user.username);
           ReplyJson(res, 202, TaskToJson(*started, who.user.role == Role::kAdmin ||
                                                        who.user.username == started->created_by));
         }));
}

// PATCH: a JSON merge patch (RFC 7386) of the task spec; fields left out keep their value.
void AddPatchRoute(httplib::Server& s, ApiContext& api) {
  s.Patch(R"(/api/v1/tasks/([^/]+))",
          Guard(api, Role::kOperator, [&api](const httplib::Request& req, httplib::Response& res,
                                             const Principal& who) {
            const std::string id = req.matches[1];
            auto patch = ParseObjectBody(req);
            if (!patch.ok()) return ReplyError(res, patch.error());
            auto task = api.tasks.Get(id);
            if (!task.ok()) return ReplyError(res, task.error());
            json spec = TaskSpecToJson(task->spec);
            spec.merge_patch(*patch);
            // The same checks as a PUT of the whole merged spec.
            ReplaceTaskSpec(api, id, spec, who, res);
            if (res.status == 200) spdlog::info("task {} changed by {}", id, who.user.username);
          }));
}

}  // namespace

void AddConsoleApiRoutes(httplib::Server& s, ApiContext& api) {
  AddSessionRoutes(s, api);
  AddOidcRoutes(s, api);
  AddScheduleRoutes(s, api);
  AddRunRoutes(s, api);
  AddPatchRoute(s, api);
}

}  // namespace ferry::service
