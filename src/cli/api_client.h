// The REST client the `ferry task|credential|user|token|login` commands share:
// the server from --server or FERRY_SERVER, the token from FERRY_TOKEN or the
// session `ferry login` saved for that server (never from the command line,
// where every user of the machine can read it).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "core/status.h"
#include "net/http_client.h"

namespace ferry::cli {

std::string Env(const char* name);
// $XDG_CONFIG_HOME/ferry/login.json, else ~/.config/ferry/login.json.
std::string LoginFilePath();
// The URL without trailing slashes; http://127.0.0.1:8080 when empty.
std::string NormalServer(std::string server);
// The saved login's token, if it was made for `server`.
std::string SavedToken(const std::string& server);
Status SaveLogin(const std::string& server, const std::string& token);
// Reads a line from standard input; without echo when it is a terminal.
std::string ReadSecretLine(const std::string& prompt);
// "2026-01-02T03:04:05Z".
std::string UtcTime(int64_t seconds);
void PrintJson(const nlohmann::json& j);

class ApiClient {
 public:
  // `server`: the --server flag ("" = FERRY_SERVER, else the default).
  explicit ApiClient(const std::string& server);

  const std::string& server() const { return server_; }

  // The JSON answer of a 2xx (an empty object for 204), else the server's error
  // as a Status with the matching code.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const nlohmann::json* body = nullptr, bool auth = true);

 private:
  std::string server_;
  std::string token_;
  net::HttpClient http_;
};

}  // namespace ferry::cli
