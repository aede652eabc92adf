#include "cli/admin_commands.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "cli/api_client.h"
#include "cli/exit_codes.h"
#include "net/url.h"

namespace ferry::cli {
namespace {

using nlohmann::json;

std::string Path(const std::string& collection, const std::string& name) {
  return "/api/v1/" + collection + "/" + net::UriEncode(name, false);
}

// The first line of `file`, else of $`env`, else of standard input (no echo).
Result<std::string> ReadSecret(const std::string& file, const char* env,
                               const std::string& prompt) {
  std::string value;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in || !std::getline(in, value)) {
      return Status::InvalidArgument("cannot read '" + file + "'", "a file whose first line is it");
    }
  } else if (!Env(env).empty()) {
    value = Env(env);
  } else {
    value = ReadSecretLine(prompt);
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
  if (value.empty()) return Status::InvalidArgument(prompt + " is empty");
  return value;
}

Status CredentialBody(const AdminFlags& f, json& body) {
  if (f.access_key_id.empty()) {
    return Status::InvalidArgument("--access-key-id is missing");
  }
  if (f.endpoints.empty()) {
    return Status::InvalidArgument("--endpoint is missing",
                                   "the endpoint URLs these keys are for (repeatable)");
  }
  auto secret = ReadSecret(f.secret_file, "FERRY_SECRET_ACCESS_KEY", "secret access key");
  if (!secret.ok()) return std::move(secret).take_error();
  body = {{"name", f.name},
          {"access_key_id", f.access_key_id},
          {"secret_access_key", *secret},
          {"endpoints", f.endpoints}};
  if (!f.session_token_file.empty()) {
    auto session = ReadSecret(f.session_token_file, "", "session token");
    if (!session.ok()) return std::move(session).take_error();
    body["session_token"] = *session;
  }
  return Status::OK();
}

Status Credential(ApiClient& api, AdminFlags& f, const std::string& action) {
  if (action == "list") {
    auto list = api.Call("GET", "/api/v1/credentials");
    if (!list.ok()) return std::move(list).take_error();
    if (f.json) {
      PrintJson(*list);
      return Status::OK();
    }
    std::printf("%-24s  %-16s  %-20s  %s\n", "NAME", "OWNER", "UPDATED", "ENDPOINTS");
    for (const auto& c : (*list)["credentials"]) {
      std::string endpoints;
      for (const auto& e : c.value("endpoints", json::array())) {
        endpoints += (endpoints.empty() ? "" : ",") + e.get<std::string>();
      }
      std::printf("%-24s  %-16s  %-20s  %s\n", c.value("name", "").c_str(),
                  c.value("owner", "").c_str(),
                  UtcTime(c.value("updated_at", c.value("created_at", int64_t{0}))).c_str(),
                  endpoints.c_str());
    }
    return Status::OK();
  }
  if (action == "delete") {
    auto done = api.Call("DELETE", Path("credentials", f.name));
    if (!done.ok()) return std::move(done).take_error();
    std::printf("credential %s deleted\n", f.name.c_str());
    return Status::OK();
  }
  json body;
  FERRY_RETURN_IF_ERROR(CredentialBody(f, body));
  auto done = action == "add" ? api.Call("POST", "/api/v1/credentials", &body)
                              : api.Call("PUT", Path("credentials", f.name), &body);
  if (!done.ok()) return std::move(done).take_error();
  std::printf("credential %s %s\n", f.name.c_str(), action == "add" ? "stored" : "rotated");
  return Status::OK();
}

Status User(ApiClient& api, AdminFlags& f, const std::string& action) {
  if (action == "list") {
    auto list = api.Call("GET", "/api/v1/users");
    if (!list.ok()) return std::move(list).take_error();
    if (f.json) {
      PrintJson(*list);
      return Status::OK();
    }
    std::printf("%-32s  %-8s  %s\n", "USER", "ROLE", "CREATED");
    for (const auto& u : (*list)["users"]) {
      std::printf("%-32s  %-8s  %s\n", u.value("username", "").c_str(),
                  u.value("role", "").c_str(), UtcTime(u.value("created_at", int64_t{0})).c_str());
    }
    return Status::OK();
  }
  if (action == "delete") {
    auto done = api.Call("DELETE", Path("users", f.name));
    if (!done.ok()) return std::move(done).take_error();
    std::printf("user %s deleted\n", f.name.c_str());
    return Status::OK();
  }
  if (action == "set-role") {
    json body = {{"role", f.role}};
    auto done = api.Call("PUT", Path("users", f.name), &body);
    if (!done.ok()) return std::move(done).take_error();
    std::printf("user %s is %s\n", f.name.c_str(), f.role.c_str());
    return Status::OK();
  }
  if (action == "add") {
    auto password = ReadSecret("", "FERRY_NEW_PASSWORD", "password for " + f.name);
    if (!password.ok()) return std::move(password).take_error();
    json body = {{"username", f.name}, {"password", *password}, {"role", f.role}};
    auto done = api.Call("POST", "/api/v1/users", &body);
    if (!done.ok()) return std::move(done).take_error();
    std::printf("user %s created as %s\n", f.name.c_str(), f.role.c_str());
    return Status::OK();
  }
  // passwd [NAME]: your own (the current password is asked) or, for an admin, anyone's.
  std::string who = f.name;
  if (who.empty()) {
    auto me = api.Call("GET", "/api/v1/auth/me");
    if (!me.ok()) return std::move(me).take_error();
    who = me->value("username", "");
  }
  auto password = ReadSecret("", "FERRY_NEW_PASSWORD", "new password for " + who);
  if (!password.ok()) return std::move(password).take_error();
  json body = {{"password", *password}};
  if (f.name.empty()) {
    auto current = ReadSecret("", "FERRY_PASSWORD", "current password");
    if (!current.ok()) return std::move(current).take_error();
    body["current_password"] = *current;
  }
  auto done = api.Call("PUT", Path("users", who), &body);
  if (!done.ok()) return std::move(done).take_error();
  std::printf("password of %s changed; their sessions have ended\n", who.c_str());
  return Status::OK();
}

Status Token(ApiClient& api, AdminFlags& f, const std::string& action) {
  if (action == "list") {
    auto list = api.Call("GET", "/api/v1/tokens");
    if (!list.ok()) return std::move(list).take_error();
    if (f.json) {
      PrintJson(*list);
      return Status::OK();
    }
    std::printf("%-16s  %-8s  %-20s  %-20s  %s\n", "ID", "KIND", "CREATED", "EXPIRES", "NAME");
    for (const auto& t : (*list)["tokens"]) {
      const auto& expires = t["expires_at"];
      std::printf("%-16s  %-8s  %-20s  %-20s  %s\n", t.value("id", "").c_str(),
                  t.value("kind", "api").c_str(),
                  UtcTime(t.value("created_at", int64_t{0})).c_str(),
                  expires.is_number() ? UtcTime(expires.get<int64_t>()).c_str() : "never",
                  t.value("name", "").c_str());
    }
    return Status::OK();
  }
  if (action == "revoke") {
    auto done = api.Call("DELETE", Path("tokens", f.name));
    if (!done.ok()) return std::move(done).take_error();
    std::printf("token %s revoked\n", f.name.c_str());
    return Status::OK();
  }
  json body = {{"name", f.name}};
  if (f.expires_in_days > 0) body["expires_in_days"] = f.expires_in_days;
  auto issued = api.Call("POST", "/api/v1/tokens", &body);
  if (!issued.ok()) return std::move(issued).take_error();
  if (f.json) {
    PrintJson(*issued);
  } else {
    // The token alone on stdout, for $(...); what it is on stderr.
    std::fprintf(stderr, "token %s (id %s) shown once; it expires %s\n", f.name.c_str(),
                 issued->value("id", "").c_str(),
                 (*issued)["expires_at"].is_number()
                     ? UtcTime((*issued)["expires_at"].get<int64_t>()).c_str()
                     : "never");
    std::printf("%s\n", issued->value("token", "").c_str());
  }
  return Status::OK();
}

void ServerFlag(CLI::App& cmd, AdminFlags& f) {
  cmd.add_option("--server", f.server,
                 "Server URL (default $FERRY_SERVER, else http://127.0.0.1:8080)");
  cmd.fallthrough();
}

}  // namespace

std::vector<CLI::App*> AddAdminCommands(CLI::App& app, AdminFlags& f) {
  CLI::App* credential = app.add_subcommand(
      "credential", "Stored credentials of a ferry server (values go in, never come out)");
  credential->require_subcommand(1);
  ServerFlag(*credential, f);
  for (const char* action : {"add", "rotate"}) {
    CLI::App* sub = credential->add_subcommand(
        action, std::string(action) == "add"
                    ? "Store access keys under a name (secret from --secret-access-key-file, "
                      "$FERRY_SECRET_ACCESS_KEY or standard input)"
                    : "Replace the keys (and endpoints) of a credential: its owner or an admin");
    sub->add_option("name", f.name, "Credential name")->required();
    sub->add_option("--access-key-id", f.access_key_id, "Access key id")->required();
    sub->add_option("--secret-access-key-file", f.secret_file,
                    "File whose first line is the secret access key");
    sub->add_option("--session-token-file", f.session_token_file,
                    "File whose first line is a session token");
    sub->add_option("--endpoint", f.endpoints,
                    "Endpoint URL the keys may be used with (repeatable, at least one)")
        ->required();
  }
  credential->add_subcommand("list", "Names, owners and endpoints")
      ->add_flag("--json", f.json, "Print JSON");
  credential->add_subcommand("delete", "Delete a credential")
      ->add_option("name", f.name, "Credential name")->required();

  CLI::App* user = app.add_subcommand("user", "Users and roles of a ferry server");
  user->require_subcommand(1);
  ServerFlag(*user, f);
  CLI::App* add = user->add_subcommand(
      "add", "Add a user (password from $FERRY_NEW_PASSWORD or standard input; admins only)");
  add->add_option("name", f.name, "User name")->required();
  add->add_option("--role", f.role, "viewer (default), operator or admin")
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  user->add_subcommand("list", "Users and their roles (admins only)")
      ->add_flag("--json", f.json, "Print JSON");
  CLI::App* role = user->add_subcommand("set-role", "Change a user's role (admins only)");
  role->add_option("name", f.name, "User name")->required();
  role->add_option("role", f.role, "viewer, operator or admin")
      ->required()
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  user->add_subcommand("passwd",
                       "Change your password ($FERRY_PASSWORD the current one, "
                       "$FERRY_NEW_PASSWORD the new; else asked), or as an admin someone's")
      ->add_option("name", f.name, "Whose (default: yours)");
  user->add_subcommand("delete", "Delete a user and their tokens (admins only)")
      ->add_option("name", f.name, "User name")->required();

  CLI::App* token = app.add_subcommand("token", "Your API tokens on a ferry server");
  token->require_subcommand(1);
  ServerFlag(*token, f);
  CLI::App* create = token->add_subcommand("create", "Create a token; printed once");
  create->add_option("name", f.name, "What uses it, e.g. ci-nightly")->required();
  create->add_option("--expires-in-days", f.expires_in_days, "Expiry (default: never)")
      ->check(CLI::Range(1, 3650));
  create->add_flag("--json", f.json, "Print the answer as JSON (id, token, expires_at)");
  token->add_subcommand("list", "Your tokens (never their values)")
      ->add_flag("--json", f.json, "Print JSON");
  token->add_subcommand("revoke", "Revoke a token")
      ->add_option("id", f.name, "Token id (from `ferry token list`)")->required();
  return {credential, user, token};
}

int RunAdminCommand(AdminFlags& f, const CLI::App& command) {
  ApiClient api(f.server);
  const std::string& what = command.get_name();
  const std::string action = command.get_subcommands().front()->get_name();
  Status st;
  try {  // nlohmann::json reports a field of an unexpected type by exception
    if (what == "credential") st = Credential(api, f, action);
    else if (what == "user") st = User(api, f, action);
    else st = Token(api, f, action);
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

}  // namespace ferry::cli
