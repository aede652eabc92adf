#include "service/account_store.h"

#include <sqlite3.h>

#include <cctype>

#include "service/password.h"
#include "state/sqlite_statement.h"

namespace ferry::service {
namespace {

using state::Statement;

constexpr const char* kRoles[] = {"viewer", "operator", "admin"};

Status CheckUsername(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  }
  if (!ok) {
    return Status::InvalidArgument("invalid username '" + name + "'",
                                   "1 to 64 letters, digits, '.', '_' or '-'");
  }
  return Status::OK();
}

}  // namespace

const char* RoleName(Role role) { return kRoles[static_cast<int>(role)]; }

std::optional<Role> ParseRole(const std::string& name) {
  for (int i = 0; i < 3; ++i) {
    if (name == kRoles[i]) return static_cast<Role>(i);
  }
  return std::nullopt;
}

Status AccountStore::CreateUser(const std::string& username, const std::string& password,
                                Role role) {
  FERRY_RETURN_IF_ERROR(CheckUsername(username));
  if (password.size() < 8 || password.size() > 1024) {
    return Status::InvalidArgument("the password of '" + username + "' is too short or too long",
                                   "8 to 1024 characters");
  }
  auto hash = HashPassword(password);
  if (!hash.ok()) return std::move(hash).take_error();
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              "INSERT INTO users (username, password_hash, role, created_at) VALUES (?,?,?,?)");
  s.BindText(1, username).BindText(2, *hash).BindText(3, RoleName(role)).Bind(4, NowSeconds());
  const int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return Status(Code::kAlreadyExists, "user '" + username + "' already exists");
  }
  if (rc != SQLITE_DONE) return db_.Error("creating user " + username);
  return Status::OK();
}

Result<std::vector<User>> AccountStore::ListUsers() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT username, role, created_at FROM users ORDER BY username");
  std::vector<User> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer), s.Int(2)});
  }
  if (rc != SQLITE_DONE) return db_.Error("listing users");
  return out;
}

Result<User> AccountStore::GetUser(const std::string& username) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT username, role, created_at FROM users WHERE username=?");
  s.BindText(1, username);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no user '" + username + "'");
  if (rc != SQLITE_ROW) return db_.Error("reading user " + username);
  return User{s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer), s.Int(2)};
}

Status AccountStore::DeleteUser(const std::string& username) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "DELETE FROM users WHERE username=?");
  s.BindText(1, username);
  if (s.Step() != SQLITE_DONE) return db_.Error("deleting user " + username);
  if (sqlite3_changes(db_.handle()) == 0) return Status::NotFound("no user '" + username + "'");
  return Status::OK();
}

Status AccountStore::UpdateUser(const std::string& username, const std::string& password,
                                std::optional<Role> role) {
  std::string hash;
  if (!password.empty()) {
    if (password.size() < 8 || password.size() > 1024) {
      return Status::InvalidArgument("the password of '" + username +
                                         "' is too short or too long",
                                     "8 to 1024 characters");
    }
    auto hashed = HashPassword(password);
    if (!hashed.ok()) return std::move(hashed).take_error();
    hash = std::move(*hashed);
  }
  MutexLock lock(db_.mu());
  FERRY_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status st) REQUIRES(db_.mu()) {
    (void)db_.Exec("ROLLBACK");
    return st;
  };
  {
    Statement s(db_.handle(), "SELECT role FROM users WHERE username=?");
    s.BindText(1, username);
    const int rc = s.Step();
    if (rc == SQLITE_DONE) return fail(Status::NotFound("no user '" + username + "'"));
    if (rc != SQLITE_ROW) return fail(db_.Error("reading user " + username));
    if (role && *role != Role::kAdmin && s.Text(0) == "admin") {
      Statement admins(db_.handle(), "SELECT COUNT(*) FROM users WHERE role='admin'");
      if (admins.Step() != SQLITE_ROW) return fail(db_.Error("counting admins"));
      if (admins.Int(0) <= 1) {
        return fail(Status(Code::kFailedPrecondition,
                           "'" + username + "' is the last admin and keeps that role",
                           "make another user admin first"));
      }
    }
  }
  if (role) {
    Statement s(db_.handle(), "UPDATE users SET role=? WHERE username=?");
    s.BindText(1, RoleName(*role)).BindText(2, username);
    if (s.Step() != SQLITE_DONE) return fail(db_.Error("changing the role of " + username));
  }
  if (!hash.empty()) {
    Statement s(db_.handle(), "UPDATE users SET password_hash=? WHERE username=?");
    s.BindText(1, hash).BindText(2, username);
    if (s.Step() != SQLITE_DONE) return fail(db_.Error("changing the password of " + username));
    Statement end(db_.handle(), "DELETE FROM tokens WHERE username=?");
    end.BindText(1, username);
    if (end.Step() != SQLITE_DONE) return fail(db_.Error("ending the sessions of " + username));
  }
  return db_.Exec("COMMIT");
}

Status AccountStore::UpsertExternalUser(const std::string& username, Role role) {
  MutexLock lock(db_.mu());
  // "!" is no argon2id string: no password ever verifies against it.
  Statement s(db_.handle(),
              "INSERT INTO users (username, password_hash, role, created_at) VALUES (?,'!',?,?) "
              "ON CONFLICT(username) DO UPDATE SET role=excluded.role "
              "WHERE users.password_hash='!'");
  s.BindText(1, username).BindText(2, RoleName(role)).Bind(3, NowSeconds());
  if (s.Step() != SQLITE_DONE) return db_.Error("recording the signed-in user " + username);
  return Status::OK();
}

Result<int64_t> AccountStore::CountUsers() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT COUNT(*) FROM users");
  if (s.Step() != SQLITE_ROW) return db_.Error("counting users");
  return s.Int(0);
}

Result<int64_t> AccountStore::CountAdmins() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT COUNT(*) FROM users WHERE role='admin'");
  if (s.Step() != SQLITE_ROW) return db_.Error("counting admins");
  return s.Int(0);
}

Result<User> AccountStore::CheckPassword(const std::string& username,
                                         const std::string& password) {
  std::optional<User> user;
  std::string hash;
  {
    MutexLock lock(db_.mu());
    Statement s(db_.handle(),
                "SELECT username, role, created_at, password_hash FROM users WHERE username=?");
    s.BindText(1, username);
    if (s.Step() == SQLITE_ROW) {
      user = User{s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer), s.Int(2)};
      hash = s.Text(3);
    }
  }
  if (!user) {
    // Spend the same time as a real check, so timing does not tell which names exist.
    std::call_once(dummy_once_, [this] {
      auto dummy = HashPassword(RandomHex(16));
      if (dummy.ok()) dummy_hash_ = *dummy;
    });
    (void)VerifyPassword(dummy_hash_, password);
  } else if (VerifyPassword(hash, password)) {
    return *user;
  }
  return Status::Unauthenticated("wrong username or password");
}

Result<IssuedToken> AccountStore::IssueToken(const std::string& username,
                                             const std::string& kind, const std::string& name,
                                             int64_t ttl_seconds) {
  IssuedToken out;
  out.token = "fy_" + RandomHex(24);
  out.info.id = RandomHex(8);
  out.info.username = username;
  out.info.kind = kind;
  out.info.name = name;
  out.info.created_at = NowSeconds();
  out.info.expires_at = ttl_seconds > 0 ? out.info.created_at + ttl_seconds : 0;
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "INSERT INTO tokens (id, username, kind, name, hash, created_at, "
                            "expires_at) VALUES (?,?,?,?,?,?,?)");
  s.BindText(1, out.info.id).BindText(2, username).BindText(3, kind).BindText(4, name)
      .BindText(5, TokenDigest(out.token)).Bind(6, out.info.created_at)
      .Bind(7, out.info.expires_at);
  if (s.Step() != SQLITE_DONE) return db_.Error("issuing a token for " + username);
  return out;
}

Result<Principal> AccountStore::Authenticate(const std::string& token) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(),
              "SELECT u.username, u.role, u.created_at, t.id, t.expires_at, t.kind FROM tokens t "
              "JOIN users u ON u.username = t.username WHERE t.hash=?");
  s.BindText(1, TokenDigest(token));
  const int rc = s.Step();
  if (rc == SQLITE_ROW) {
    const int64_t expires = s.Int(4);
    if (expires == 0 || expires > NowSeconds()) {
      Principal who{User{s.Text(0), ParseRole(s.Text(1)).value_or(Role::kViewer), s.Int(2)},
                    s.Text(3)};
      if (s.Text(5) == "api" && who.user.role < kMinApiTokenRole) {
        return Status::Unauthenticated(
            "API tokens are for operators and admins, and '" + who.user.username + "' is now " +
                RoleName(who.user.role),
            "log in (POST /api/v1/auth/login), or ask an admin for the operator role");
      }
      return who;
    }
    return Status::Unauthenticated("the token has expired", "log in again");
  }
  if (rc != SQLITE_DONE) return db_.Error("checking a token");
  return Status::Unauthenticated("unknown or revoked token",
                                 "sign in: ferry login, or POST /api/v1/auth/login");
}

Result<std::vector<TokenInfo>> AccountStore::ListTokens(const std::string& username) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT id, username, kind, name, created_at, expires_at FROM tokens "
                            "WHERE username=? ORDER BY created_at, id");
  s.BindText(1, username);
  std::vector<TokenInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5)});
  }
  if (rc != SQLITE_DONE) return db_.Error("listing tokens of " + username);
  return out;
}

Status AccountStore::RevokeToken(const std::string& id, const std::string& username) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "DELETE FROM tokens WHERE id=? AND username=?");
  s.BindText(1, id).BindText(2, username);
  if (s.Step() != SQLITE_DONE) return db_.Error("revoking a token");
  if (sqlite3_changes(db_.handle()) == 0) return Status::NotFound("no token '" + id + "'");
  return Status::OK();
}

}  // namespace ferry::service
