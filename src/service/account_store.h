// Users (argon2id password hashes, a role each), their sessions and API tokens.
// A token is shown once when issued; only its digest is stored.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "service/database.h"

namespace ferry::service {

// Ordered: each role may do what the ones below it may.
enum class Role { kViewer = 0, kOperator = 1, kAdmin = 2 };
const char* RoleName(Role role);
std::optional<Role> ParseRole(const std::string& name);

struct User {
  std::string username;
  Role role = Role::kViewer;
  int64_t created_at = 0;
};

struct TokenInfo {
  std::string id;
  std::string username;
  std::string kind;  // "session" (from login, expires) or "api" (until revoked)
  std::string name;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0 = never
};

struct IssuedToken {
  TokenInfo info;
  std::string token;  // the secret; returned once, never stored
};

// API tokens: for operators and admins (scripts that change things); at most a
// year, 90 days unless asked otherwise.
constexpr Role kMinApiTokenRole = Role::kOperator;
constexpr int64_t kDefaultApiTokenDays = 90;
constexpr int64_t kMaxApiTokenDays = 365;

struct Principal {
  User user;
  std::string token_id;
};

class AccountStore {
 public:
  explicit AccountStore(Database& db) : db_(db) {}

  // Errors: InvalidArgument (name or password rules), AlreadyExists.
  Status CreateUser(const std::string& username, const std::string& password, Role role);
  Result<std::vector<User>> ListUsers();
  Result<User> GetUser(const std::string& username);
  // Also revokes the user's tokens.
  Status DeleteUser(const std::string& username);
  // A new password (also ends the user's sessions and revokes their API tokens:
  // whoever changes a password may be locking someone out) and/or role;
  // empty/nullopt leaves it. FailedPrecondition if no admin would be left.
  Status UpdateUser(const std::string& username, const std::string& password,
                    std::optional<Role> role);
  // A user signed in by an identity provider ("oidc:NAME"): created with no
  // usable password, or given `role` again at each sign-in.
  Status UpsertExternalUser(const std::string& username, Role role);
  Result<int64_t> CountUsers();
  Result<int64_t> CountAdmins();

  // Unauthenticated for an unknown user or a wrong password (the same message).
  Result<User> CheckPassword(const std::string& username, const std::string& password);

  // ttl_seconds 0 = never expires.
  Result<IssuedToken> IssueToken(const std::string& username, const std::string& kind,
                                 const std::string& name, int64_t ttl_seconds);
  // Unauthenticated for an unknown, revoked or expired token, and for an API
  // token of a user whose role no longer allows them (below kMinApiTokenRole).
  Result<Principal> Authenticate(const std::string& token);
  Result<std::vector<TokenInfo>> ListTokens(const std::string& username);
  // NotFound unless `id` is a token of `username`.
  Status RevokeToken(const std::string& id, const std::string& username);

 private:
  Database& db_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // verified against for unknown users: same time either way
};

}  // namespace ferry::service
