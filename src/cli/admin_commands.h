// `ferry credential add|list|rotate|delete`, `ferry user add|list|set-role|passwd|
// delete`, `ferry token create|list|revoke`: what the console's administration
// pages do, for scripts, through the REST API (the server and token as for
// `ferry task`). Secrets (access keys, passwords) are read from a file, the
// environment or standard input, never from the command line (ps shows it).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ferry::cli {

struct AdminFlags {
  std::string server;
  std::string name;                 // credential, user or token name; token id for revoke
  std::string access_key_id;
  std::string secret_file;          // else $FERRY_SECRET_ACCESS_KEY, else standard input
  std::string session_token_file;
  std::vector<std::string> endpoints;
  std::string role = "viewer";
  int expires_in_days = 0;          // 0 = never
  bool json = false;
};

// Adds the three commands; returns them (credential, user, token).
std::vector<CLI::App*> AddAdminCommands(CLI::App& app, AdminFlags& flags);

// Runs the parsed command (one of those returned); returns the exit code.
int RunAdminCommand(AdminFlags& flags, const CLI::App& command);

}  // namespace ferry::cli
