#include "service/api_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>

#include "service/api_routes.h"
#include "service/console_routes.h"
#include "service/openapi_document.h"
#include "service/web_session.h"

namespace ferry::service {
namespace {

using nlohmann::json;

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return 400;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition: return 409;
    case Code::kResourceExhausted: return 429;
    case Code::kUnavailable: return 503;
    default: return 500;
  }
}

const char* ErrorCodeName(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kFailedPrecondition: return "conflict";
    case Code::kResourceExhausted: return "too_many_requests";
    case Code::kUnavailable: return "unavailable";
    default: return "internal";
  }
}

// Counts of answered requests by status class, for /metrics.
struct RequestCounters {
  std::atomic<uint64_t> by_class[6] = {};
};

RequestCounters& Counters() {
  static RequestCounters counters;
  return counters;
}

std::string MetricsText(ApiContext& api) {
  std::string out;
  auto line = [&](const std::string& text) { out += text + "\n"; };
  auto totals = api.tasks.ComputeTotals();
  const Scheduler::Activity activity = api.scheduler.CurrentActivity();
  line("# HELP ferry_tasks Tasks by state.");
  line("# TYPE ferry_tasks gauge");
  if (totals.ok()) {
    for (const auto& [state, n] : totals->tasks_by_state) {
      line("ferry_tasks{state=\"" + state + "\"} " + std::to_string(n));
    }
  }
  line("# HELP ferry_runs Runs by state.");
  line("# TYPE ferry_runs gauge");
  if (totals.ok()) {
    for (const auto& [state, n] : totals->runs_by_state) {
      line("ferry_runs{state=\"" + state + "\"} " + std::to_string(n));
    }
  }
  line("# HELP ferry_runs_active Runs executing now.");
  line("# TYPE ferry_runs_active gauge");
  line("ferry_runs_active " + std::to_string(activity.running));
  line("# HELP ferry_runs_queued Runs waiting for a free worker.");
  line("# TYPE ferry_runs_queued gauge");
  line("ferry_runs_queued " + std::to_string(activity.queued));
  const uint64_t objects = totals.ok() ? totals->objects_copied : 0;
  const uint64_t bytes = totals.ok() ? totals->bytes_copied : 0;
  line("# HELP ferry_objects_copied_total Objects copied by all runs.");
  line("# TYPE ferry_objects_copied_total counter");
  line("ferry_objects_copied_total " + std::to_string(objects + activity.objects_done));
  line("# HELP ferry_bytes_copied_total Bytes copied by all runs.");
  line("# TYPE ferry_bytes_copied_total counter");
  line("ferry_bytes_copied_total " + std::to_string(bytes + activity.bytes_done));
  line("# HELP ferry_objects_failed_total Objects that failed every attempt, finished runs.");
  line("# TYPE ferry_objects_failed_total counter");
  line("ferry_objects_failed_total " + std::to_string(totals.ok() ? totals->objects_failed : 0));
  line("# HELP ferry_http_requests_total API requests answered, by status class.");
  line("# TYPE ferry_http_requests_total counter");
  for (int c = 1; c <= 5; ++c) {
    line("ferry_http_requests_total{code=\"" + std::to_string(c) + "xx\"} " +
         std::to_string(Counters().by_class[c].load()));
  }
  return out;
}

}  // namespace

void ReplyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  SetJsonBody(res, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

void ReplyError(httplib::Response& res, const Status& status) {
  json error = {{"code", ErrorCodeName(status.code())}, {"message", status.ToString()}};
  if (!status.hint().empty()) error["hint"] = status.hint();
  ReplyJson(res, HttpStatusFor(status.code()), {{"error", error}});
  if (status.code() == Code::kUnauthenticated) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"ferry\"");
  }
}

Result<json> ParseObjectBody(const httplib::Request& req) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    return Status::InvalidArgument("the request body is not valid JSON");
  }
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  return body;
}

Result<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t min, int64_t max,
                         int64_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Status::InvalidArgument("query parameter '" + std::string(name) + "' must be an " +
                                   "integer " + std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

httplib::Server::Handler Guard(ApiContext& api, Role min, GuardedHandler handler) {
  return [&api, min, handler = std::move(handler)](const httplib::Request& req,
                                                   httplib::Response& res) {
    auto principal = AuthenticateRequest(api, req);  // bearer token or console session
    if (!principal.ok()) return ReplyError(res, principal.error());
    if (principal->user.role < min) {
      return ReplyError(res, Status::PermissionDenied(
                                 std::string("this needs the role ") + RoleName(min) +
                                     " or above; '" + principal->user.username + "' is " +
                                     RoleName(principal->user.role),
                                 "ask an admin"));
    }
    handler(req, res, *principal);
  };
}

Result<std::unique_ptr<ApiServer>> ApiServer::Create(ApiContext& api, const std::string& tls_cert,
                                                     const std::string& tls_key) {
  std::unique_ptr<httplib::Server> server;
  if (tls_cert.empty() && tls_key.empty()) {
    server = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(tls_cert.c_str(), tls_key.c_str());
    if (!tls->is_valid()) {
      return Status::InvalidArgument("cannot load the TLS certificate '" + tls_cert +
                                         "' and key '" + tls_key + "'",
                                     "PEM files: the certificate (chain) and its private key, "
                                     "readable by the server");
    }
    server = std::move(tls);
  }
  return std::make_unique<ApiServer>(api, std::move(server));
}

ApiServer::ApiServer(ApiContext& api, std::unique_ptr<httplib::Server> server)
    : api_(api), server_(std::move(server)) {
  httplib::Server& s = *server_;
  // SO_REUSEADDR only (a restart may bind at once), never SO_REUSEPORT, which
  // cpp-httplib sets by default and which lets a second server share the port.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s.new_task_queue = [] { return new httplib::ThreadPool(8); };
  s.set_payload_max_length(1 << 20);
  s.set_keep_alive_max_count(100);
  s.set_tcp_nodelay(true);  // else small answers wait 40 ms for a delayed ACK

  s.Get("/api/v1/health", [this](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, {{"status", "ok"}, {"version", api_.version}});
  });
  s.Get("/api/v1/openapi.json",
        Guard(api_, Role::kViewer, [](const httplib::Request&, httplib::Response& res,
                                      const Principal&) {
          res.status = 200;
          res.set_content(OpenApiDocument(), "application/json");
        }));
  s.Get("/metrics", Guard(api_, Role::kViewer, [this](const httplib::Request&,
                                                     httplib::Response& res, const Principal&) {
          res.status = 200;
          res.set_content(MetricsText(api_), "text/plain; version=0.0.4");
        }));
  AddTaskRoutes(s, api_);
  AddAccountRoutes(s, api_);
  AddConsoleApiRoutes(s, api_);
  AddConsoleRoutes(s, api_);  // last: its catch-all serves the console's own paths

  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      ReplyError(res, Status::NotFound("no route " + req.method + " " + req.path,
                                       "GET /api/v1/openapi.json lists the routes; ferry --help the commands"));
    } else if (res.status == 405) {
      ReplyJson(res, 405, {{"error", {{"code", "method_not_allowed"},
                                      {"message", req.method + " is not allowed here"}}}});
    } else if (res.status == 413) {
      ReplyJson(res, 413, {{"error", {{"code", "too_large"},
                                      {"message", "the request body is over 1 MiB"}}}});
    } else {
      ReplyJson(res, res.status, {{"error", {{"code", "bad_request"},
                                             {"message", "the request was not understood"}}}});
    }
  });
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                             std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {}: {}", req.method, req.path, what);
    ReplyError(res, Status::Internal("the server failed on this request"));
  });
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const int cls = res.status / 100;
    if (cls >= 1 && cls <= 5) ++Counters().by_class[cls];
    // Method, path and status only: headers and bodies may carry secrets.
    spdlog::info("http {} {} {}", req.method, req.path, res.status);
  });
}

ApiServer::~ApiServer() = default;

Result<int> ApiServer::Bind(const std::string& host, int port) {
  if (port == 0) {
    const int bound = server_->bind_to_any_port(host);
    if (bound <= 0) return Status::Unavailable("cannot listen on " + host + ": no free port");
    return bound;
  }
  if (!server_->bind_to_port(host, port)) {
    return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port),
                               "is another process on that port? --listen HOST:PORT");
  }
  return port;
}

void ApiServer::Serve() { server_->listen_after_bind(); }

void ApiServer::Stop() { server_->stop(); }

}  // namespace ferry::service
