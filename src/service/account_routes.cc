// /api/v1/auth, /api/v1/users, /api/v1/tokens, /api/v1/credentials.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "service/api_routes.h"

namespace ferry::service {
namespace {

using nlohmann::json;

constexpr int64_t kSessionSeconds = 12 * 3600;

// A string field of `body`; InvalidArgument when missing or not a string.
Result<std::string> StringField(const json& body, const char* name, bool required = true) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (!required) return std::string();
    return Status::InvalidArgument("the field '" + std::string(name) + "' is missing");
  }
  if (!it->is_string()) {
    return Status::InvalidArgument("the field '" + std::string(name) + "' must be a string");
  }
  return it->get<std::string>();
}

json UserJson(const User& u) {
  return {{"username", u.username}, {"role", RoleName(u.role)}, {"created_at", u.created_at}};
}

json TokenJson(const TokenInfo& t) {
  return {{"id", t.id},
          {"username", t.username},
          {"kind", t.kind},
          {"name", t.name},
          {"created_at", t.created_at},
          {"expires_at", t.expires_at == 0 ? json(nullptr) : json(t.expires_at)}};
}

json CredentialJson(const CredentialInfo& c) {
  return {{"name", c.name},
          {"owner", c.owner},
          {"endpoints", c.endpoints},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

struct CredentialBody {
  std::string name;
  auth::Credentials keys;
  std::vector<std::string> endpoints;
};

// {"name", "access_key_id", "secret_access_key", "session_token"?, "endpoints": [URL]}.
// On a PUT, `path_name` is the name in the path; "name" may be left out.
Result<CredentialBody> ReadCredentialBody(const httplib::Request& req,
                                          const std::string& path_name) {
  auto body = ParseObjectBody(req);
  if (!body.ok()) return std::move(body).take_error();
  for (const auto& [key, value] : body->items()) {
    if (key != "name" && key != "access_key_id" && key != "secret_access_key" &&
        key != "session_token" && key != "endpoints") {
      return Status::InvalidArgument(
          "unknown field '" + key + "'",
          "name, access_key_id, secret_access_key, session_token, endpoints");
    }
  }
  CredentialBody out;
  auto name = StringField(*body, "name", path_name.empty());
  if (!name.ok()) return std::move(name).take_error();
  out.name = name->empty() ? path_name : *name;
  if (!path_name.empty() && out.name != path_name) {
    return Status::InvalidArgument("the name '" + out.name + "' differs from the path's '" +
                                   path_name + "'");
  }
  FERRY_RETURN_IF_ERROR(CheckCredentialName(out.name));
  auto key_id = StringField(*body, "access_key_id");
  if (!key_id.ok()) return std::move(key_id).take_error();
  auto secret = StringField(*body, "secret_access_key");
  if (!secret.ok()) return std::move(secret).take_error();
  auto session = StringField(*body, "session_token", false);
  if (!session.ok()) return std::move(session).take_error();
  if (key_id->empty() || secret->empty()) {
    return Status::InvalidArgument("access_key_id and secret_access_key must not be empty");
  }
  out.keys.access_key_id = *key_id;
  out.keys.secret_access_key = *secret;
  out.keys.session_token = *session;
  auto endpoints = body->find("endpoints");
  if (endpoints == body->end() || !endpoints->is_array() || endpoints->empty() ||
      endpoints->size() > 100) {
    return Status::InvalidArgument(
        "'endpoints' must list the 1 to 100 endpoint URLs the credential may be used for",
        "[\"https://oss-cn-hangzhou.aliyuncs.com\"]; https://s3.amazonaws.com covers Amazon S3 "
        "in every region");
  }
  for (const auto& e : *endpoints) {
    if (!e.is_string()) return Status::InvalidArgument("'endpoints' must be URLs (strings)");
    auto origin = EndpointOrigin(e.get<std::string>());
    if (!origin.ok()) return std::move(origin).take_error().Context("'endpoints'");
    if (std::find(out.endpoints.begin(), out.endpoints.end(), *origin) == out.endpoints.end()) {
      out.endpoints.push_back(*origin);
    }
  }
  return out;
}

Status MayChangeCredential(const CredentialInfo& info, const Principal& who) {
  if (who.user.role == Role::kAdmin || who.user.username == info.owner) return Status::OK();
  return Status::PermissionDenied("the stored credential '" + info.name + "' belongs to '" +
                                      info.owner + "'",
                                  "only its owner or an admin may replace or delete it");
}

}  // namespace

void AddAccountRoutes(httplib::Server& s, ApiContext& api) {
  s.Post("/api/v1/auth/login", [&api](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseObjectBody(req);
    if (!body.ok()) return ReplyError(res, body.error());
    auto username = StringField(*body, "username");
    if (!username.ok()) return ReplyError(res, username.error());
    auto password = StringField(*body, "password");
    if (!password.ok()) return ReplyError(res, password.error());
    const std::string throttle_key = *username + "|" + req.remote_addr;
    Status allowed = api.logins.Check(throttle_key, NowSeconds());
    if (!allowed.ok()) {
      spdlog::warn("login for '{}' from {} refused: locked out", *username, req.remote_addr);
      return ReplyError(res, allowed);
    }
    auto user = api.accounts.CheckPassword(*username, *password);
    if (!user.ok()) {
      spdlog::warn("failed login for '{}' from {}", *username, req.remote_addr);
      api.logins.Failed(throttle_key, NowSeconds());
      return ReplyError(res, user.error());
    }
    api.logins.Succeeded(throttle_key);
    auto issued = api.accounts.IssueToken(user->username, "session", "login", kSessionSeconds);
    if (!issued.ok()) return ReplyError(res, issued.error());
    json out = TokenJson(issued->info);
    out["token"] = issued->token;
    out["role"] = RoleName(user->role);
    ReplyJson(res, 200, out);
  });

  s.Post("/api/v1/auth/logout",
         Guard(api, Role::kViewer, [&api](const httplib::Request&, httplib::Response& res,
                                          const Principal& who) {
           Status st = api.accounts.RevokeToken(who.token_id, who.user.username);
           if (!st.ok()) return ReplyError(res, st);
           res.status = 204;
         }));

  s.Get("/api/v1/auth/me", Guard(api, Role::kViewer, [](const httplib::Request&,
                                                         httplib::Response& res,
                                                         const Principal& who) {
          ReplyJson(res, 200, UserJson(who.user));
        }));

  // Users: admins only.
  s.Get("/api/v1/users", Guard(api, Role::kAdmin, [&api](const httplib::Request&,
                                                         httplib::Response& res,
                                                         const Principal&) {
          auto users = api.accounts.ListUsers();
          if (!users.ok()) return ReplyError(res, users.error());
          json list = json::array();
          for (const User& u : *users) list.push_back(UserJson(u));
          ReplyJson(res, 200, {{"users", list}});
        }));

  s.Post("/api/v1/users", Guard(api, Role::kAdmin, [&api](const httplib::Request& req,
                                                          httplib::Response& res,
                                                          const Principal& who) {
           auto body = ParseObjectBody(req);
           if (!body.ok()) return ReplyError(res, body.error());
           auto username = StringField(*body, "username");
           if (!username.ok()) return ReplyError(res, username.error());
           auto password = StringField(*body, "password");
           if (!password.ok()) return ReplyError(res, password.error());
           auto role_name = StringField(*body, "role");
           if (!role_name.ok()) return ReplyError(res, role_name.error());
           auto role = ParseRole(*role_name);
           if (!role) {
             return ReplyError(res, Status::InvalidArgument("role '" + *role_name +
                                                            "' is not admin, operator or viewer"));
           }
           Status st = api.accounts.CreateUser(*username, *password, *role);
           if (!st.ok()) return ReplyError(res, st);
           spdlog::info("user '{}' ({}) created by {}", *username, *role_name, who.user.username);
           auto user = api.accounts.GetUser(*username);
           if (!user.ok()) return ReplyError(res, user.error());
           ReplyJson(res, 201, UserJson(*user));
         }));

  // Admins change anyone's password and role; everyone else their own password.
  s.Put(R"(/api/v1/users/([^/]+))",
        Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                         const Principal& who) {
          const std::string name = req.matches[1];
          auto body = ParseObjectBody(req);
          if (!body.ok()) return ReplyError(res, body.error());
          auto password = StringField(*body, "password", false);
          if (!password.ok()) return ReplyError(res, password.error());
          auto current = StringField(*body, "current_password", false);
          if (!current.ok()) return ReplyError(res, current.error());
          auto role_name = StringField(*body, "role", false);
          if (!role_name.ok()) return ReplyError(res, role_name.error());
          std::optional<Role> role;
          if (!role_name->empty()) {
            role = ParseRole(*role_name);
            if (!role) {
              return ReplyError(res, Status::InvalidArgument(
                                         "role '" + *role_name +
                                         "' is not admin, operator or viewer"));
            }
          }
          if (who.user.role != Role::kAdmin && (name != who.user.username || role)) {
            return ReplyError(res, Status::PermissionDenied(
                                       "this needs the role admin: '" + who.user.username +
                                           "' may change only their own password",
                                       "ask an admin"));
          }
          if (password->empty() && !role) {
            return ReplyError(res, Status::InvalidArgument(
                                       "nothing to change: give 'password' and/or 'role'"));
          }
          // Changing one's own password needs the current one: a session left
          // open must not be enough to take the account. An admin resetting
          // someone else's password does not know theirs.
          if (!password->empty() && name == who.user.username) {
            if (current->empty()) {
              return ReplyError(res, Status::InvalidArgument(
                                         "changing your password needs 'current_password'"));
            }
            const std::string throttle_key = name + "|" + req.remote_addr;
            Status allowed = api.logins.Check(throttle_key, NowSeconds());
            if (!allowed.ok()) return ReplyError(res, allowed);
            auto checked = api.accounts.CheckPassword(name, *current);
            if (!checked.ok()) {
              api.logins.Failed(throttle_key, NowSeconds());
              return ReplyError(res, Status::PermissionDenied("the current password is wrong",
                                                              "'current_password'"));
            }
          }
          Status st = api.accounts.UpdateUser(name, *password, role);
          if (!st.ok()) return ReplyError(res, st);
          spdlog::info("user '{}' changed by {}{}{}", name, who.user.username,
                       password->empty() ? "" : " (password)", role ? " (role)" : "");
          auto user = api.accounts.GetUser(name);
          if (!user.ok()) return ReplyError(res, user.error());
          ReplyJson(res, 200, UserJson(*user));
        }));

  s.Delete(R"(/api/v1/users/([^/]+))",
           Guard(api, Role::kAdmin, [&api](const httplib::Request& req, httplib::Response& res,
                                           const Principal& who) {
             const std::string name = req.matches[1];
             if (name == who.user.username) {
               return ReplyError(res, Status(Code::kFailedPrecondition,
                                             "you cannot delete your own account",
                                             "another admin can"));
             }
             Status st = api.accounts.DeleteUser(name);
             if (!st.ok()) return ReplyError(res, st);
             spdlog::info("user '{}' deleted by {}", name, who.user.username);
             res.status = 204;
           }));

  // API tokens: each user manages their own.
  s.Get("/api/v1/tokens", Guard(api, Role::kViewer, [&api](const httplib::Request&,
                                                           httplib::Response& res,
                                                           const Principal& who) {
          auto tokens = api.accounts.ListTokens(who.user.username);
          if (!tokens.ok()) return ReplyError(res, tokens.error());
          json list = json::array();
          for (const TokenInfo& t : *tokens) list.push_back(TokenJson(t));
          ReplyJson(res, 200, {{"tokens", list}});
        }));

  s.Post("/api/v1/tokens", Guard(api, kMinApiTokenRole, [&api](const httplib::Request& req,
                                                               httplib::Response& res,
                                                               const Principal& who) {
           auto body = ParseObjectBody(req);
           if (!body.ok()) return ReplyError(res, body.error());
           auto name = StringField(*body, "name");
           if (!name.ok()) return ReplyError(res, name.error());
           if (name->empty() || name->size() > 100) {
             return ReplyError(res, Status::InvalidArgument("a token name is 1 to 100 bytes"));
           }
           int64_t days = kDefaultApiTokenDays;
           if (auto it = body->find("expires_in_days"); it != body->end() && !it->is_null()) {
             if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
                 it->get<int64_t>() > kMaxApiTokenDays) {
               return ReplyError(res, Status::InvalidArgument(
                                          "expires_in_days must be an integer 1.." +
                                          std::to_string(kMaxApiTokenDays)));
             }
             days = it->get<int64_t>();
           }
           for (const auto& [key, value] : body->items()) {
             if (key != "name" && key != "expires_in_days") {
               return ReplyError(res, Status::InvalidArgument("unknown field '" + key + "'",
                                                              "name, expires_in_days"));
             }
           }
           auto issued = api.accounts.IssueToken(who.user.username, "api", *name, days * 86400);
           if (!issued.ok()) return ReplyError(res, issued.error());
           json out = TokenJson(issued->info);
           out["token"] = issued->token;
           ReplyJson(res, 201, out);
         }));

  s.Delete(R"(/api/v1/tokens/([^/]+))",
           Guard(api, Role::kViewer, [&api](const httplib::Request& req, httplib::Response& res,
                                            const Principal& who) {
             Status st = api.accounts.RevokeToken(req.matches[1], who.user.username);
             if (!st.ok()) return ReplyError(res, st);
             res.status = 204;
           }));

  // Stored credentials: values go in, never come out. Each belongs to the user
  // who stored it and is bound to the endpoints it was stored for.
  s.Get("/api/v1/credentials", Guard(api, Role::kViewer, [&api](const httplib::Request&,
                                                                httplib::Response& res,
                                                                const Principal&) {
          auto list = api.credentials.List();
          if (!list.ok()) return ReplyError(res, list.error());
          json out = json::array();
          for (const auto& c : *list) out.push_back(CredentialJson(c));
          ReplyJson(res, 200, {{"credentials", out}});
        }));

  s.Post("/api/v1/credentials", Guard(api, Role::kOperator, [&api](const httplib::Request& req,
                                                                   httplib::Response& res,
                                                                   const Principal& who) {
           auto given = ReadCredentialBody(req, "");
           if (!given.ok()) return ReplyError(res, given.error());
           Status st = api.credentials.Create(given->name, given->keys, given->endpoints,
                                              who.user.username);
           if (!st.ok()) return ReplyError(res, st);
           spdlog::info("credential '{}' stored by {}", given->name, who.user.username);
           auto info = api.credentials.Info(given->name);
           if (!info.ok()) return ReplyError(res, info.error());
           ReplyJson(res, 201, CredentialJson(*info));
         }));

  // Rotation: new keys and endpoints under the same name, by its owner or an admin.
  s.Put(R"(/api/v1/credentials/([^/]+))",
        Guard(api, Role::kOperator, [&api](const httplib::Request& req, httplib::Response& res,
                                           const Principal& who) {
          const std::string name = req.matches[1];
          auto given = ReadCredentialBody(req, name);
          if (!given.ok()) return ReplyError(res, given.error());
          auto info = api.credentials.Info(name);
          if (!info.ok()) return ReplyError(res, info.error());
          Status allowed = MayChangeCredential(*info, who);
          if (!allowed.ok()) return ReplyError(res, allowed);
          Status st = api.credentials.Replace(name, given->keys, given->endpoints);
          if (!st.ok()) return ReplyError(res, st);
          spdlog::info("credential '{}' replaced by {}", name, who.user.username);
          auto updated = api.credentials.Info(name);
          if (!updated.ok()) return ReplyError(res, updated.error());
          ReplyJson(res, 200, CredentialJson(*updated));
        }));

  s.Delete(R"(/api/v1/credentials/([^/]+))",
           Guard(api, Role::kOperator, [&api](const httplib::Request& req,
                                              httplib::Response& res, const Principal& who) {
             const std::string name = req.matches[1];
             auto info = api.credentials.Info(name);
             if (!info.ok()) return ReplyError(res, info.error());
             Status allowed = MayChangeCredential(*info, who);
             if (!allowed.ok()) return ReplyError(res, allowed);
             Status st = api.credentials.Delete(name);
             if (!st.ok()) return ReplyError(res, st);
             spdlog::info("credential '{}' deleted by {}", name, who.user.username);
             res.status = 204;
           }));
}

}  // namespace ferry::service
