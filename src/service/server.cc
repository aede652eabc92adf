#include "service/server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "net/target_policy.h"
#include "service/account_store.h"
#include "service/api_routes.h"
#include "service/api_server.h"
#include "service/credential_store.h"
#include "service/database.h"
#include "service/notifier.h"
#include "service/oidc_login.h"
#include "service/password.h"
#include "service/run_series.h"
#include "service/scheduler.h"
#include "service/secret_box.h"
#include "service/task_runner.h"
#include "service/task_store.h"

namespace ferry::service {

// Declared in dependency order: destroyed the other way round.
struct Server::Parts {
  ~Parts() {
    if (lock_fd >= 0) ::close(lock_fd);  // releases the data folder's lock
  }
  int lock_fd = -1;
  ServerOptions options;
  std::shared_ptr<net::TargetPolicy> targets;
  std::unique_ptr<Database> db;
  std::optional<SecretBox> box;
  std::unique_ptr<TaskStore> tasks;
  std::unique_ptr<AccountStore> accounts;
  std::unique_ptr<CredentialStore> credentials;
  TaskCheckContext check;
  std::unique_ptr<Notifier> notifier;
  std::unique_ptr<TaskRunner> runner;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<RunSeriesRecorder> series;
  std::unique_ptr<OidcLogin> oidc;
  std::unique_ptr<ApiContext> api_context;
  std::unique_ptr<ApiServer> api;
  int port = 0;
};

namespace {

Status CreateFirstAdmin(AccountStore& accounts, const std::string& given) {
  auto users = accounts.CountUsers();
  if (!users.ok()) return std::move(users).take_error();
  if (*users > 0) return Status::OK();
  const std::string password = given.empty() ? RandomPassword() : given;
  Status st = accounts.CreateUser("admin", password, Role::kAdmin);
  if (!st.ok()) return std::move(st).Context("creating the first account 'admin' from "
                                             "FERRY_ADMIN_PASSWORD");
  if (given.empty()) {
    // Printed once, on the terminal of the first start; never logged.
    std::printf("ferry server: created the account 'admin' with the password %s\n"
                "(shown only now; set FERRY_ADMIN_PASSWORD on the first start to choose it)\n",
                password.c_str());
  } else {
    std::printf("ferry server: created the account 'admin' with the password from "
                "FERRY_ADMIN_PASSWORD\n");
  }
  std::fflush(stdout);
  return Status::OK();
}

// One server per data folder: two would run each task twice and resume each
// other's runs. flock is released by the kernel when the process ends, even by kill -9.
Result<int> LockDataFolder(const std::string& data_dir) {
  const std::string path = data_dir + "/server.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::InvalidArgument("cannot open '" + path + "': " + std::strerror(errno),
                                   "--data names a writable folder");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[512] = {};
    const ssize_t n = ::pread(fd, holder, sizeof(holder) - 1, 0);
    ::close(fd);
    std::string who = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    for (auto& c : who) {
      if (c == '\n') c = ',';
    }
    return Status(Code::kFailedPrecondition,
                  "the data folder '" + data_dir + "' is in use by another ferry server (" +
                      (who.empty() ? std::string("starting") : who) + ")",
                  "stop that server first, or give this one another --data");
  }
  return fd;
}

void RecordHolder(int fd, const std::string& address) {
  const std::string text =
      "pid " + std::to_string(::getpid()) + "\nlistening on " + address + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, text.data(), text.size(), 0);
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Open(const ServerOptions& options) {
  auto p = std::make_unique<Parts>();
  p->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::InvalidArgument("cannot create the data folder '" + options.data_dir +
                                       "': " + ec.message(),
                                   "--data names a writable folder");
  }
  ::chmod(options.data_dir.c_str(), 0700);
  auto lock = LockDataFolder(options.data_dir);
  if (!lock.ok()) return std::move(lock).take_error();
  p->lock_fd = *lock;
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together",
                                   "the certificate chain and its private key, PEM files");
  }
  if (!tls && !options.insecure_listen && !IsLoopback(options.host)) {
    return Status::InvalidArgument(
        "--listen " + options.host + " would serve plain HTTP beyond this machine: passwords and "
        "tokens would cross the network in clear",
        "--tls-cert FILE --tls-key FILE to serve HTTPS, or --insecure-listen behind a TLS proxy");
  }
  // Tasks and webhooks may not reach this host, its cloud's metadata or this
  // server: every HTTP client the server makes applies this policy.
  p->targets = std::make_shared<net::TargetPolicy>();
  for (const auto& range : options.allow_targets) {
    FERRY_RETURN_IF_ERROR(p->targets->Allow(range));
  }
  p->targets->set_uniform_connect_errors(true);
  net::SetProcessTargetPolicy(p->targets);
  FERRY_RETURN_IF_ERROR(InitCrypto());
  auto box = SecretBox::OpenKeyFile(options.data_dir + "/secret.key");
  if (!box.ok()) return std::move(box).take_error();
  p->box.emplace(std::move(*box));
  auto db = Database::Open(options.data_dir + "/ferry.db");
  if (!db.ok()) return std::move(db).take_error();
  p->db = std::move(*db);
  p->tasks = std::make_unique<TaskStore>(*p->db);
  p->accounts = std::make_unique<AccountStore>(*p->db);
  p->credentials = std::make_unique<CredentialStore>(*p->db, *p->box);
  FERRY_RETURN_IF_ERROR(CreateFirstAdmin(*p->accounts, options.admin_password));

  p->check.config_path =
      options.config_path.empty() ? job::DefaultConfigPath() : options.config_path;
  auto configs = job::LoadConfig(p->check.config_path, options.explicit_config);
  if (!configs.ok()) return std::move(configs).take_error();
  p->check.configs = std::move(*configs);
  if (!options.local_root.empty()) {
    const auto root = std::filesystem::weakly_canonical(options.local_root, ec);
    if (ec || !std::filesystem::is_directory(root)) {
      return Status::InvalidArgument("--local-root '" + options.local_root +
                                     "' is not a folder");
    }
    p->check.local_root = root.string();
  }
  CredentialStore* credentials = p->credentials.get();
  p->check.credential_info = [credentials](const std::string& name) {
    return credentials->Info(name);
  };
  AccountStore* accounts = p->accounts.get();
  p->check.role_of = [accounts](const std::string& username) -> Result<Role> {
    auto user = accounts->GetUser(username);
    if (!user.ok()) return std::move(user).take_error();
    return user->role;
  };
  p->check.allow_server_credentials = options.allow_server_credentials;
  p->check.targets = p->targets;

  p->notifier = std::make_unique<Notifier>(*p->credentials, *p->tasks);
  p->runner = std::make_unique<TaskRunner>(options.data_dir, p->check, *p->credentials,
                                           *p->tasks);
  SchedulerOptions scheduler_options;
  scheduler_options.workers = options.workers;
  Notifier* notifier = p->notifier.get();
  scheduler_options.run_ended = [notifier](const Task& task, const Run& run) {
    notifier->RunEnded(task, run);
  };
  p->scheduler = std::make_unique<Scheduler>(*p->tasks, *p->runner, scheduler_options);
  p->series = std::make_unique<RunSeriesRecorder>(*p->db, *p->tasks, *p->scheduler,
                                                  options.series_interval_seconds);
  FERRY_RETURN_IF_ERROR(p->series->Open());
  if (options.oidc) {
    FERRY_RETURN_IF_ERROR(OidcLogin::CheckOptions(*options.oidc));
    p->oidc = std::make_unique<OidcLogin>(*options.oidc, *p->accounts);
  }
  p->api_context.reset(new ApiContext{*p->tasks, *p->accounts, *p->credentials, *p->scheduler,
                                      *p->runner, p->check, options.version, {}});
  p->api_context->series = p->series.get();
  p->api_context->oidc = p->oidc.get();
  p->api_context->tls = !options.tls_cert.empty();  // session cookies are Secure
  auto api = ApiServer::Create(*p->api_context, options.tls_cert, options.tls_key);
  if (!api.ok()) return std::move(api).take_error();
  p->api = std::move(*api);
  auto port = p->api->Bind(options.host, options.port);
  if (!port.ok()) return std::move(port).take_error();
  p->port = *port;
  // Before Serve: nothing reads the policy yet.
  FERRY_RETURN_IF_ERROR(p->targets->DenyListenAddress(options.host, p->port));
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  RecordHolder(p->lock_fd, std::string(tls ? "https://" : "http://") + host + ":" +
                               std::to_string(p->port));
  return std::unique_ptr<Server>(new Server(std::move(p)));
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() {
  if (parts_->scheduler) parts_->scheduler->Shutdown();
  if (parts_->series) parts_->series->Stop();
}

int Server::port() const { return parts_->port; }

Status Server::Serve() {
  FERRY_RETURN_IF_ERROR(parts_->scheduler->Start());
  parts_->series->Start();
  const bool tls = !parts_->options.tls_cert.empty();
  std::printf("ferry server: listening on %s://%s:%d (data %s)\n", tls ? "https" : "http",
              parts_->options.host.c_str(), parts_->port, parts_->options.data_dir.c_str());
  std::fflush(stdout);
  parts_->api->Serve();
  parts_->scheduler->Shutdown();
  parts_->series->Stop();  // after the runs stopped: their series are saved as they are
  return Status::OK();
}

void Server::Stop() { parts_->api->Stop(); }

}  // namespace ferry::service
