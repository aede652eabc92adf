#include "cli/server_command.h"

#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <vector>
#include <thread>

#include "cli/exit_codes.h"
#include "service/server.h"

namespace ferry::cli {
namespace {

Status SplitListen(const std::string& listen, std::string& host, int& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("--listen '" + listen + "' is not HOST:PORT",
                                   "127.0.0.1:8080, 0.0.0.0:8080, or PORT 0 for any free port");
  }
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  const long p = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || end == listen.c_str() + colon + 1 || p < 0 || p > 65535) {
    return Status::InvalidArgument("--listen '" + listen + "' has no valid port", "0..65535");
  }
  port = static_cast<int>(p);
  return Status::OK();
}

void AddOidcFlags(CLI::App& cmd, ServerFlags& flags) {
  cmd.add_option("--oidc-issuer", flags.oidc_issuer,
                 "OpenID Connect provider (issuer URL) for the console's sign-in");
  cmd.add_option("--oidc-client-id", flags.oidc_client_id, "Client id registered at the provider");
  cmd.add_option("--oidc-client-secret-file", flags.oidc_client_secret_file,
                 "File holding the client secret (none: a public client with PKCE)");
  cmd.add_option("--oidc-scopes", flags.oidc_scopes,
                 "Scopes asked for (default 'openid profile email')");
  cmd.add_option("--oidc-role-claim", flags.oidc_role_claim,
                 "Claim whose values give the role (default groups)");
  cmd.add_option("--oidc-admin-values", flags.oidc_admin_values,
                 "Comma-separated role-claim values that make an admin");
  cmd.add_option("--oidc-operator-values", flags.oidc_operator_values,
                 "Comma-separated role-claim values that make an operator (others: viewer)");
  cmd.add_option("--oidc-username-claim", flags.oidc_username_claim,
                 "Claim that names the user, unique at the provider (default sub)");
  cmd.add_option("--oidc-redirect-url", flags.oidc_redirect_url,
                 "Callback URL registered at the provider (default: this server's "
                 "/api/v1/auth/oidc/callback as the browser reaches it)");
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

Result<std::optional<service::OidcOptions>> OidcOptionsFrom(const ServerFlags& flags) {
  if (flags.oidc_issuer.empty()) {
    if (!flags.oidc_client_id.empty() || !flags.oidc_client_secret_file.empty()) {
      return Status::InvalidArgument("--oidc-client-id needs --oidc-issuer");
    }
    return std::optional<service::OidcOptions>();
  }
  service::OidcOptions o;
  o.issuer = flags.oidc_issuer;
  o.client_id = flags.oidc_client_id;
  o.scopes = flags.oidc_scopes;
  o.role_claim = flags.oidc_role_claim;
  o.admin_values = SplitCommas(flags.oidc_admin_values);
  o.operator_values = SplitCommas(flags.oidc_operator_values);
  o.username_claim = flags.oidc_username_claim;
  o.redirect_url = flags.oidc_redirect_url;
  if (!flags.oidc_client_secret_file.empty()) {
    std::ifstream in(flags.oidc_client_secret_file);
    if (!in || !std::getline(in, o.client_secret) || o.client_secret.empty()) {
      return Status::InvalidArgument("cannot read a client secret from --oidc-client-secret-file "
                                     "'" + flags.oidc_client_secret_file + "'",
                                     "a file whose first line is the secret");
    }
    while (!o.client_secret.empty() &&
           (o.client_secret.back() == '\r' || o.client_secret.back() == ' ')) {
      o.client_secret.pop_back();
    }
  }
  return std::optional<service::OidcOptions>(std::move(o));
}

}  // namespace

CLI::App* AddServerCommand(CLI::App& app, ServerFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "server", "Serve the REST API and run scheduled tasks (one process, one SQLite file)");
  cmd->footer(
      "On its first start on an empty --data folder the server creates the account 'admin' "
      "with the password in FERRY_ADMIN_PASSWORD, or prints a random one once on stdout.");
  cmd->add_option("--data", flags.data_dir, "Data folder: database, key, checkpoints")
      ->required();
  cmd->add_option("--listen", flags.listen, "HOST:PORT to serve on (default 127.0.0.1:8080)");
  cmd->add_option("--workers", flags.workers, "Runs at once (default 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--config", flags.config_path, "Config file with named endpoints");
  cmd->add_option("--local-root", flags.local_root,
                  "Folder under which tasks may read and write local folders (default: none)");
  cmd->add_flag("--allow-server-credentials", flags.allow_server_credentials,
                "Let admins' tasks use this server's own AWS credentials, secret files and "
                "profiles (default: no task may)");
  cmd->add_option("--allow-target", flags.allow_targets,
                  "A range tasks and webhooks may target although refused by default: "
                  "loopback, link-local, this-host or a CIDR (repeatable)");
  cmd->add_option("--tls-cert", flags.tls_cert, "Serve HTTPS with this certificate (PEM)");
  cmd->add_option("--tls-key", flags.tls_key, "The private key of --tls-cert (PEM)");
  cmd->add_flag("--insecure-listen", flags.insecure_listen,
                "Serve plain HTTP on an address other than loopback (behind a TLS proxy)");
  cmd->add_option("--series-interval", flags.series_interval,
                  "Seconds between two points of a run's progress series (default 5)")
      ->check(CLI::Range(1, 3600));
  AddOidcFlags(*cmd, flags);
  return cmd;
}

int RunServerCommand(const ServerFlags& flags) {
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "ferry: %s\n", st.ToString().c_str());
    return ExitCodeFor(st);
  };
  service::ServerOptions options;
  options.data_dir = flags.data_dir;
  Status st = SplitListen(flags.listen, options.host, options.port);
  if (!st.ok()) return fail(st);
  options.workers = flags.workers;
  options.config_path = flags.config_path;
  options.explicit_config = !flags.config_path.empty();
  options.local_root = flags.local_root;
  options.allow_server_credentials = flags.allow_server_credentials;
  options.allow_targets = flags.allow_targets;
  options.tls_cert = flags.tls_cert;
  options.tls_key = flags.tls_key;
  options.insecure_listen = flags.insecure_listen;
  if (const char* password = std::getenv("FERRY_ADMIN_PASSWORD")) {
    options.admin_password = password;
  }
  options.version = "0.1.0";
  options.series_interval_seconds = flags.series_interval;
  auto oidc = OidcOptionsFrom(flags);
  if (!oidc.ok()) return fail(oidc.error());
  options.oidc = std::move(*oidc);
  // A client that hangs up mid-answer must not kill the server.
  signal(SIGPIPE, SIG_IGN);
  auto server = service::Server::Open(options);
  if (!server.ok()) return fail(server.error());

  // SIGINT/SIGTERM (blocked in every thread by main) stop the server cleanly:
  // runs stop at a checkpoint and resume on the next start.
  std::thread signals([&server] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR1) {
      std::fprintf(stderr, "ferry server: stopping (runs resume on the next start)\n");
      (*server)->Stop();
    }
  });
  st = (*server)->Serve();
  pthread_kill(signals.native_handle(), SIGUSR1);
  signals.join();
  server->reset();
  if (!st.ok()) return fail(st);
  return kExitOk;
}

}  // namespace ferry::cli
