#include "service/credential_store.h"

#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sqlite3.h>

#include <cctype>

#include "state/sqlite_statement.h"

namespace ferry::service {

using state::Statement;

Status CheckCredentialName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  }
  if (!ok) {
    return Status::InvalidArgument("invalid credential name '" + name + "'",
                                   "1 to 64 letters, digits, '.', '_' or '-'");
  }
  return Status::OK();
}

Status CredentialStore::Put(const std::string& name, const auth::Credentials& keys,
                            const std::string& created_by) {
  FERRY_RETURN_IF_ERROR(CheckCredentialName(name));
  std::string plain = nlohmann::json{{"access_key_id", keys.access_key_id},
                                     {"secret_access_key", keys.secret_access_key},
                                     {"session_token", keys.session_token}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const SecretBox::Sealed sealed = box_.Seal(plain);
  sodium_memzero(plain.data(), plain.size());
  auto lock = db_.Lock();
  Statement s(db_.handle(), "INSERT OR REPLACE INTO credentials (name, nonce, sealed, created_at, "
                            "created_by) VALUES (?,?,?,?,?)");
  s.BindText(1, name).Bind(2, sealed.nonce).Bind(3, sealed.ciphertext).Bind(4, NowSeconds())
      .BindText(5, created_by);
  if (s.Step() != SQLITE_DONE) return db_.Error("storing credential " + name);
  return Status::OK();
}

Result<auth::Credentials> CredentialStore::Get(const std::string& name) {
  SecretBox::Sealed sealed;
  {
    auto lock = db_.Lock();
    Statement s(db_.handle(), "SELECT nonce, sealed FROM credentials WHERE name=?");
    s.BindText(1, name);
    const int rc = s.Step();
    if (rc == SQLITE_DONE) {
      return Status::NotFound("no stored credential '" + name + "'",
                              "ferry credential list (GET /api/v1/credentials) lists them; ferry credential add stores one");
    }
    if (rc != SQLITE_ROW) return db_.Error("reading credential " + name);
    sealed = {s.Text(0), s.Text(1)};
  }
  auto plain = box_.Open(sealed);
  if (!plain.ok()) return std::move(plain).take_error().Context("credential '" + name + "'");
  auto j = nlohmann::json::parse(*plain, nullptr, false);
  sodium_memzero(plain->data(), plain->size());
  if (!j.is_object()) return Status::DataLoss("credential '" + name + "' is unreadable");
  auth::Credentials keys;
  keys.access_key_id = j.value("access_key_id", "");
  keys.secret_access_key = j.value("secret_access_key", "");
  keys.session_token = j.value("session_token", "");
  return keys;
}

bool CredentialStore::Exists(const std::string& name) {
  auto lock = db_.Lock();
  Statement s(db_.handle(), "SELECT 1 FROM credentials WHERE name=?");
  s.BindText(1, name);
  return s.Step() == SQLITE_ROW;
}

Result<std::vector<CredentialInfo>> CredentialStore::List() {
  auto lock = db_.Lock();
  Statement s(db_.handle(),
              "SELECT name, created_at, created_by FROM credentials ORDER BY name");
  std::vector<CredentialInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Text(0), s.Int(1), s.Text(2)});
  if (rc != SQLITE_DONE) return db_.Error("listing credentials");
  return out;
}

Status CredentialStore::Delete(const std::string& name) {
  auto lock = db_.Lock();
  Statement s(db_.handle(), "DELETE FROM credentials WHERE name=?");
  s.BindText(1, name);
  if (s.Step() != SQLITE_DONE) return db_.Error("deleting credential " + name);
  if (sqlite3_changes(db_.handle()) == 0) {
    return Status::NotFound("no stored credential '" + name + "'");
  }
  return Status::OK();
}

}  // namespace ferry::service
