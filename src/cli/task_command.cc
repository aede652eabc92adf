#include "cli/task_command.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/sync_command.h"
#include "net/http_client.h"
#include "service/task_json.h"

namespace ferry::cli {
namespace {

using nlohmann::json;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// Where `ferry login` keeps the session: $XDG_CONFIG_HOME/ferry/login.json, else
// ~/.config/ferry/login.json (0600), as {"server", "token"}.
std::string LoginFilePath() {
  const std::string xdg = Env("XDG_CONFIG_HOME");
  const std::string base = !xdg.empty() ? xdg : Env("HOME") + "/.config";
  return base + "/ferry/login.json";
}

std::string NormalServer(std::string server) {
  if (server.empty()) server = "http://127.0.0.1:8080";
  while (!server.empty() && server.back() == '/') server.pop_back();
  return server;
}

// The saved login's token, if it was made for `server`.
std::string SavedToken(const std::string& server) {
  std::ifstream in(LoginFilePath());
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  json saved = json::parse(text.str(), nullptr, false);
  if (!saved.is_object()) return {};
  auto field = [&](const char* key) {
    auto it = saved.find(key);
    return it != saved.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return NormalServer(field("server")) == server ? field("token") : std::string();
}

Status SaveLogin(const std::string& server, const std::string& token) {
  const std::string path = LoginFilePath();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string text =
      json{{"server", server}, {"token", token}}.dump(-1, ' ', false,
                                                      json::error_handler_t::replace) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0 ||
      ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (fd >= 0) ::close(fd);
    return Status::PermissionDenied("cannot save the login in '" + path + "'",
                                    "that the folder is writable; the token was printed");
  }
  ::close(fd);
  return Status::OK();
}

// Reads a line from standard input; without echo when it is a terminal.
std::string ReadSecretLine(const std::string& prompt) {
  std::string line;
  const bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
    // Echo goes off before the prompt shows, and nothing typed is discarded
    // (TCSANOW, not TCSAFLUSH): a password typed as soon as the prompt appears counts.
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::fprintf(stderr, "%s", prompt.c_str());
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  } else {
    std::getline(std::cin, line);
  }
  return line;
}

class ApiClient {
 public:
  // The token comes from FERRY_TOKEN, else the saved `ferry login` for this server:
  // never from the command line, where every user of the machine can read it (ps).
  ApiClient(const TaskFlags& flags)
      : server_(NormalServer(flags.server.empty() ? Env("FERRY_SERVER") : flags.server)),
        token_(Env("FERRY_TOKEN")) {
    if (token_.empty()) token_ = SavedToken(server_);
  }

  const std::string& server() const { return server_; }

  // The JSON answer of a 2xx, else the server's error as a Status.
  Result<json> Call(const std::string& method, const std::string& path, const json* body = nullptr,
                    bool auth = true) {
    if (auth && token_.empty()) {
      return Status::Unauthenticated("no API token for " + server_,
                                     "run `ferry login --server " + server_ +
                                         "` (it saves the session), or set FERRY_TOKEN");
    }
    net::HttpRequest req;
    req.method = method;
    req.url = server_ + path;
    std::string text;
    if (body != nullptr) {
      text = body->dump(-1, ' ', false, json::error_handler_t::replace);
      req.headers.emplace_back("Content-Type", "application/json");
    }
    req.body = text;
    if (method == "POST" || method == "PUT") req.headers.emplace_back("Content-Length",
                                                                      std::to_string(text.size()));
    if (auth) req.headers.emplace_back("Authorization", "Bearer " + token_);
    req.total_timeout = std::chrono::seconds(120);
    auto response = http_.Send(std::move(req));
    if (!response.ok()) {
      return Status::Unavailable("cannot reach the ferry server at " + server_ + ": " +
                                     response.error().message(),
                                 "that `ferry server` runs there; --server or FERRY_SERVER");
    }
    json parsed = response->body.empty() ? json::object()
                                         : json::parse(response->body, nullptr, false);
    if (response->status >= 200 && response->status < 300) {
      if (!parsed.is_object()) {
        return Status::Unavailable("the server at " + server_ + " answered " + path +
                                       " with something other than a JSON object",
                                   "that --server names a ferry server");
      }
      return parsed;
    }
    std::string message = "the server answered HTTP " + std::to_string(response->status);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
      const auto& m = parsed["error"]["message"];
      if (m.is_string()) message = m.get<std::string>();
    }
    const Code code = response->status == 400   ? Code::kInvalidArgument
                      : response->status == 401 ? Code::kUnauthenticated
                      : response->status == 403 ? Code::kPermissionDenied
                      : response->status == 404 ? Code::kNotFound
                      : response->status == 409 ? Code::kFailedPrecondition
                                                : Code::kUnavailable;
    return Status(code, message);
  }

 private:
  std::string server_;
  std::string token_;
  net::HttpClient http_;
};

std::string Time(int64_t seconds) {
  char buf[32];
  const time_t t = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void Print(const json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

Status Create(ApiClient& api, TaskFlags& flags, const CLI::App& create) {
  CollectFilters(create, flags.spec.sync);
  if (flags.mode == "sync") flags.spec.sync.mode = engine::RunMode::kSync;
  else if (flags.mode == "copy") flags.spec.sync.mode = engine::RunMode::kCopy;
  else flags.spec.sync.mode = engine::RunMode::kCheck;
  if (!flags.spec.sync.prefix_list.empty()) {
    auto prefixes = engine::KeyFilter::ReadPrefixList(flags.spec.sync.prefix_list);
    if (!prefixes.ok()) return std::move(prefixes).take_error();
    flags.spec.sync.prefixes = std::move(*prefixes);  // sent inline: the server has no such file
    flags.spec.sync.prefix_list.clear();
  }
  json body = service::TaskSpecToJson(flags.spec);
  auto task = api.Call("POST", "/api/v1/tasks", &body);
  if (!task.ok()) return std::move(task).take_error();
  if (flags.json) Print(*task);
  else std::printf("%s\n", task->value("id", "").c_str());
  return Status::OK();
}

Status List(ApiClient& api, const TaskFlags& flags) {
  auto tasks = api.Call("GET", "/api/v1/tasks");
  if (!tasks.ok()) return std::move(tasks).take_error();
  if (flags.json) {
    Print(*tasks);
    return Status::OK();
  }
  std::printf("%-16s  %-9s  %-20s  %-20s  %s\n", "ID", "STATE", "SCHEDULE", "NEXT RUN", "NAME");
  for (const auto& t : (*tasks)["tasks"]) {
    const auto& next = t["next_run_at"];
    std::printf("%-16s  %-9s  %-20s  %-20s  %s\n", t.value("id", "").c_str(),
                t.value("state", "").c_str(), t.value("schedule", "").c_str(),
                next.is_number() ? Time(next.get<int64_t>()).c_str() : "-",
                t.value("name", "").c_str());
  }
  return Status::OK();
}

Status Show(ApiClient& api, const TaskFlags& flags) {
  auto task = api.Call("GET", "/api/v1/tasks/" + flags.id);
  if (!task.ok()) return std::move(task).take_error();
  auto runs = api.Call("GET", "/api/v1/tasks/" + flags.id + "/runs?limit=5");
  if (!runs.ok()) return std::move(runs).take_error();
  json out = *task;
  out["runs"] = (*runs)["runs"];
  Print(out);
  return Status::OK();
}

Status Action(ApiClient& api, const TaskFlags& flags, const std::string& verb) {
  json empty = json::object();
  auto task = api.Call("POST", "/api/v1/tasks/" + flags.id + "/" + verb, &empty);
  if (!task.ok()) return std::move(task).take_error();
  std::printf("%s %s\n", flags.id.c_str(), task->value("state", "").c_str());
  return Status::OK();
}

Status Delete(ApiClient& api, const TaskFlags& flags) {
  auto done = api.Call("DELETE", "/api/v1/tasks/" + flags.id);
  if (!done.ok()) return std::move(done).take_error();
  std::printf("%s deleted\n", flags.id.c_str());
  return Status::OK();
}

Status Logs(ApiClient& api, const TaskFlags& flags) {
  int64_t after = 0;
  for (;;) {
    std::string path = "/api/v1/tasks/" + flags.id + "/logs?limit=1000&after=" +
                       std::to_string(after);
    if (!flags.run.empty()) path += "&run=" + flags.run;
    if (!flags.level.empty()) path += "&level=" + flags.level;
    auto page = api.Call("GET", path);
    if (!page.ok()) return std::move(page).take_error();
    for (const auto& e : (*page)["logs"]) {
      const int64_t ms = e.value("time_ms", int64_t{0});
      std::printf("%s  %-7s  run %s  %s\n", Time(ms / 1000).c_str(),
                  e.value("level", "").c_str(), e.value("run_id", "").c_str(),
                  e.value("message", "").c_str());
    }
    const auto& next = (*page)["next_after"];
    if (!next.is_number()) break;
    after = next.get<int64_t>();
  }
  return Status::OK();
}

}  // namespace

CLI::App* AddTaskCommand(CLI::App& app, TaskFlags& flags) {
  CLI::App* task = app.add_subcommand("task", "Tasks of a ferry server (through its REST API)");
  task->require_subcommand(1);
  task->fallthrough();  // --server and --token also work after the action
  task->add_option("--server", flags.server,
                   "Server URL (default $FERRY_SERVER, else http://127.0.0.1:8080)");
  task->add_option("--token", flags.token,
                   "Refused: a token on the command line is visible to every user (ps); "
                   "use FERRY_TOKEN or `ferry login`")
      ->group("");

  CLI::App* create = task->add_subcommand("create", "Create a task from SRC, DST and sync flags");
  AddSpecFlags(*create, flags.spec.sync, true);
  create->add_option("--name", flags.spec.name, "Name (default 'SRC -> DST')");
  create->add_option("--schedule", flags.spec.schedule,
                     "once (default), rate(N minutes|hours|days|seconds), 'M H DOM MON DOW', "
                     "or cron(M H DOM MON DOW YEAR); UTC");
  create->add_option("--mode", flags.mode, "sync (default), copy or check")
      ->check(CLI::IsMember({"sync", "copy", "check"}));
  create->add_option("--src-credential", flags.spec.src_credential,
                     "Stored credential for the source");
  create->add_option("--dst-credential", flags.spec.dst_credential,
                     "Stored credential for the destination");
  create->add_option("--webhook", flags.spec.notify.webhook,
                     "URL told (JSON POST) when a run ends with failed objects");
  create->add_option("--sns-topic-arn", flags.spec.notify.sns_topic_arn,
                     "SNS topic told when a run ends with failed objects");
  create->add_option("--sns-region", flags.spec.notify.sns_region, "Region of the SNS topic");
  create->add_option("--sns-endpoint", flags.spec.notify.sns_endpoint, "SNS endpoint URL");
  create->add_option("--sns-credential", flags.spec.notify.sns_credential,
                     "Stored credential for SNS");
  create->add_flag("--json", flags.json, "Print the created task as JSON");

  CLI::App* list = task->add_subcommand("list", "List tasks");
  list->add_flag("--json", flags.json, "Print JSON");
  for (const char* verb : {"show", "start", "stop", "delete"}) {
    CLI::App* sub = task->add_subcommand(
        verb, std::string(verb) == "show"    ? "A task and its last runs (JSON)"
              : std::string(verb) == "start" ? "Start a task"
              : std::string(verb) == "stop"  ? "Stop a task and its run"
                                             : "Stop and delete a task");
    sub->add_option("id", flags.id, "Task id")->required();
  }
  CLI::App* logs = task->add_subcommand("logs", "Log lines of a task, oldest first");
  logs->add_option("id", flags.id, "Task id")->required();
  logs->add_option("--run", flags.run, "Only this run");
  logs->add_option("--level", flags.level, "This level and above: info, warning, error")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  return task;
}

CLI::App* AddLoginCommand(CLI::App& app, TaskFlags& flags) {
  CLI::App* login = app.add_subcommand(
      "login", "Log in to a ferry server and print a session token (password from "
               "$FERRY_PASSWORD or standard input)");
  login->add_option("--server", flags.server,
                    "Server URL (default $FERRY_SERVER, else http://127.0.0.1:8080)");
  login->add_option("--username", flags.username, "User name (default admin)");
  return login;
}

int RunTaskCommand(TaskFlags& flags, const CLI::App& task) {
  if (!flags.token.empty()) {
    std::fprintf(stderr,
                 "ferry: --token is refused: a token on the command line is visible to every "
                 "user of this machine (ps). Check: set FERRY_TOKEN, or run `ferry login` once "
                 "(it saves the session)\n");
    return kExitUsage;
  }
  ApiClient api(flags);
  Status st;
  const CLI::App* chosen = task.get_subcommands().front();
  const std::string name = chosen->get_name();
  try {  // nlohmann::json reports a field of an unexpected type by exception
    if (name == "create") st = Create(api, flags, *chosen);
    else if (name == "list") st = List(api, flags);
    else if (name == "show") st = Show(api, flags);
    else if (name == "start" || name == "stop") st = Action(api, flags, name);
    else if (name == "delete") st = Delete(api, flags);
    else if (name == "logs") st = Logs(api, flags);
  } catch (const json::exception& e) {
    st = Status::Unavailable("the server at " + api.server() + " answered something ferry " +
                                 "cannot read (" + e.what() + ")",
                             "that --server names a ferry server of this version");
  }
  if (!st.ok()) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  }
  return kExitOk;
}

int RunLoginCommand(const TaskFlags& flags) {
  std::string password = Env("FERRY_PASSWORD");
  if (password.empty()) password = ReadSecretLine("password for " + flags.username + ": ");
  ApiClient api(flags);
  json body = {{"username", flags.username}, {"password", password}};
  auto answer = api.Call("POST", "/api/v1/auth/login", &body, false);
  if (!answer.ok()) {
    std::fprintf(stderr, "ferry: %s\n", answer.error().ToString().c_str());
    return ExitCodeFor(answer.error());
  }
  const auto& token = (*answer)["token"];
  if (!token.is_string()) {
    std::fprintf(stderr, "ferry: the server at %s answered the login without a token\n",
                 api.server().c_str());
    return kExitFatal;
  }
  Status saved = SaveLogin(api.server(), token.get<std::string>());
  if (!saved.ok()) std::fprintf(stderr, "ferry: %s\n", saved.ToString().c_str());
  std::printf("%s\n", token.get<std::string>().c_str());
  return kExitOk;
}

}  // namespace ferry::cli
