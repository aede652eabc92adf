#include "cli/api_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace ferry::cli {

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

ApiClient::ApiClient(const std::string& server)
    : server_(NormalServer(server.empty() ? Env("FERRY_SERVER") : server)),
      token_(Env("FERRY_TOKEN")) {
  if (token_.empty()) token_ = SavedToken(server_);
}

Result<json> ApiClient::Call(const std::string& method, const std::string& path,
                             const json* body, bool auth) {
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
  if (method != "GET" && method != "HEAD") {
    req.headers.emplace_back("Content-Length", std::to_string(text.size()));
  }
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

std::string UtcTime(int64_t seconds) {
  char buf[32];
  const time_t t = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void PrintJson(const json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

}  // namespace ferry::cli
