// /api/v1/auth, /api/v1/users, /api/v1/tokens, /api/v1/credentials.
#include <spdlog/spdlog.h>

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

  s.Post("/api/v1/tokens", Guard(api, Role::kViewer, [&api](const httplib::Request& req,
                                                            httplib::Response& res,
                                                            const Principal& who) {
           auto body = ParseObjectBody(req);
           if (!body.ok()) return ReplyError(res, body.error());
           auto name = StringField(*body, "name");
           if (!name.ok()) return ReplyError(res, name.error());
           if (name->empty() || name->size() > 100) {
             return ReplyError(res, Status::InvalidArgument("a token name is 1 to 100 bytes"));
           }
           auto issued = api.accounts.IssueToken(who.user.username, "api", *name, 0);
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

  // Stored credentials: values go in, never come out.
  s.Get("/api/v1/credentials", Guard(api, Role::kViewer, [&api](const httplib::Request&,
                                                                httplib::Response& res,
                                                                const Principal&) {
          auto list = api.credentials.List();
          if (!list.ok()) return ReplyError(res, list.error());
          json out = json::array();
          for (const auto& c : *list) {
            out.push_back(
                {{"name", c.name}, {"created_at", c.created_at}, {"created_by", c.created_by}});
          }
          ReplyJson(res, 200, {{"credentials", out}});
        }));

  s.Post("/api/v1/credentials", Guard(api, Role::kOperator, [&api](const httplib::Request& req,
                                                                   httplib::Response& res,
                                                                   const Principal& who) {
           auto body = ParseObjectBody(req);
           if (!body.ok()) return ReplyError(res, body.error());
           auto name = StringField(*body, "name");
           if (!name.ok()) return ReplyError(res, name.error());
           auto key_id = StringField(*body, "access_key_id");
           if (!key_id.ok()) return ReplyError(res, key_id.error());
           auto secret = StringField(*body, "secret_access_key");
           if (!secret.ok()) return ReplyError(res, secret.error());
           auto session = StringField(*body, "session_token", false);
           if (!session.ok()) return ReplyError(res, session.error());
           if (key_id->empty() || secret->empty()) {
             return ReplyError(res, Status::InvalidArgument(
                                        "access_key_id and secret_access_key must not be empty"));
           }
           auth::Credentials keys;
           keys.access_key_id = *key_id;
           keys.secret_access_key = *secret;
           keys.session_token = *session;
           Status st = api.credentials.Put(*name, keys, who.user.username);
           if (!st.ok()) return ReplyError(res, st);
           spdlog::info("credential '{}' stored by {}", *name, who.user.username);
           ReplyJson(res, 201, {{"name", *name}, {"created_by", who.user.username}});
         }));

  s.Delete(R"(/api/v1/credentials/([^/]+))",
           Guard(api, Role::kOperator, [&api](const httplib::Request& req,
                                              httplib::Response& res, const Principal&) {
             Status st = api.credentials.Delete(req.matches[1]);
             if (!st.ok()) return ReplyError(res, st);
             res.status = 204;
           }));
}

}  // namespace ferry::service
