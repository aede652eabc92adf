// `ferry server`: the API, the scheduler and the workers in one process, on one
// SQLite file in the data folder:
//
//   DATA/ferry.db        tasks, runs, logs, users, tokens, sealed credentials
//   DATA/secret.key      the key that seals stored credentials (0600)
//   DATA/tasks/ID/state  each task's multipart checkpoints
//   DATA/server.lock     held (flock) by the one server on this folder: its PID and address
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "service/oidc_login.h"

namespace ferry::service {

struct ServerOptions {
  std::string data_dir;             // created if missing
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0 = any free port
  int workers = 2;                  // runs at once
  std::string config_path;          // named endpoints; "" = the default file
  bool explicit_config = false;     // a missing explicit config file is an error
  std::string local_root;           // folders tasks may use; "" = none
  std::string admin_password;       // for the first start; "" = a random one, printed
  std::string version;
  std::optional<OidcOptions> oidc;  // sign-in through an OpenID provider, else local only
  int series_interval_seconds = 5;  // a point of each run's progress series this often
  // Admins' tasks may use the server's own credentials (environment, profiles,
  // instance role), secret files and profile names; nobody's may without it.
  bool allow_server_credentials = false;
  // Ranges tasks and webhooks may target although refused by default
  // (net::TargetPolicy::Allow: "loopback", "link-local" or a CIDR).
  std::vector<std::string> allow_targets;
  std::string tls_cert;   // PEM files: HTTPS when both are given
  std::string tls_key;
  bool insecure_listen = false;  // plain HTTP on an address other than loopback
};

class Server {
 public:
  // Opens the data folder (creating the first admin on an empty one) and binds
  // the address. Nothing runs until Serve().
  static Result<std::unique_ptr<Server>> Open(const ServerOptions& options);
  ~Server();

  int port() const;
  // Resumes interrupted runs, starts the scheduler and serves until Stop().
  Status Serve();
  // Thread-safe: stops the API and the runs (which resume on the next start).
  void Stop();

 private:
  struct Parts;
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace ferry::service
