// `ferry server --data DIR --listen HOST:PORT`: the API, scheduler and workers.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ferry::cli {

struct ServerFlags {
  std::string data_dir;
  std::string listen = "127.0.0.1:8080";
  int workers = 2;
  std::string config_path;
  std::string local_root;
  // The console's sign-in through an OpenID provider (all empty: local users only).
  std::string oidc_issuer;
  std::string oidc_client_id;
  std::string oidc_client_secret_file;
  std::string oidc_scopes = "openid profile email";
  std::string oidc_role_claim = "groups";
  std::string oidc_admin_values;     // comma-separated
  std::string oidc_operator_values;  // comma-separated
  std::string oidc_username_claim = "sub";
  std::string oidc_redirect_url;
  int series_interval = 5;
  bool allow_server_credentials = false;
  std::vector<std::string> allow_targets;
  std::string tls_cert;
  std::string tls_key;
  bool insecure_listen = false;
};

CLI::App* AddServerCommand(CLI::App& app, ServerFlags& flags);

// Serves until SIGINT/SIGTERM; returns the exit code.
int RunServerCommand(const ServerFlags& flags);

}  // namespace ferry::cli
