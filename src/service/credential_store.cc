#include "service/credential_store.h"

#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sqlite3.h>

#include <cctype>

#include "net/url.h"
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

Result<std::string> EndpointOrigin(const std::string& url) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return std::move(parsed).take_error();
  std::string host = parsed->host;
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  parsed->host = host;
  return parsed->Origin();
}

bool EndpointBound(const std::vector<std::string>& bound, const std::string& origin) {
  constexpr std::string_view kAmazon = ".amazonaws.com";
  for (const auto& b : bound) {
    if (b == origin) return true;
    // https://SERVICE.amazonaws.com covers https://SERVICE.REGION.amazonaws.com.
    const size_t scheme_end = b.find("://");
    if (scheme_end == std::string::npos || !b.ends_with(kAmazon)) continue;
    const std::string scheme = b.substr(0, scheme_end + 3);
    const std::string service = b.substr(scheme.size(), b.size() - scheme.size() - kAmazon.size());
    if (service.empty() || service.find('.') != std::string::npos) continue;
    if (origin.starts_with(scheme + service + ".") && origin.ends_with(kAmazon) &&
        origin.find(':', scheme.size()) == std::string::npos) {
      return true;
    }
  }
  return false;
}

namespace {

std::string SealedJson(const auth::Credentials& keys) {
  return nlohmann::json{{"access_key_id", keys.access_key_id},
                        {"secret_access_key", keys.secret_access_key},
                        {"session_token", keys.session_token}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string EndpointsJson(const std::vector<std::string>& endpoints) {
  return nlohmann::json(endpoints).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> ParseEndpoints(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

Status CredentialStore::Create(const std::string& name, const auth::Credentials& keys,
                               const std::vector<std::string>& endpoints,
                               const std::string& owner) {
  FERRY_RETURN_IF_ERROR(CheckCredentialName(name));
  std::string plain = SealedJson(keys);
  const SecretBox::Sealed sealed = box_.Seal(plain);
  sodium_memzero(plain.data(), plain.size());
  const int64_t now = NowSeconds();
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "INSERT INTO credentials (name, nonce, sealed, created_at, "
                            "created_by, endpoints, updated_at) VALUES (?,?,?,?,?,?,?)");
  s.BindText(1, name).Bind(2, sealed.nonce).Bind(3, sealed.ciphertext).Bind(4, now)
      .BindText(5, owner).BindText(6, EndpointsJson(endpoints)).Bind(7, now);
  const int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return Status(Code::kAlreadyExists, "a stored credential '" + name + "' already exists",
                  "PUT /api/v1/credentials/" + name + " replaces it (its owner or an admin), "
                  "or choose another name");
  }
  if (rc != SQLITE_DONE) return db_.Error("storing credential " + name);
  return Status::OK();
}

Status CredentialStore::Replace(const std::string& name, const auth::Credentials& keys,
                                const std::vector<std::string>& endpoints) {
  std::string plain = SealedJson(keys);
  const SecretBox::Sealed sealed = box_.Seal(plain);
  sodium_memzero(plain.data(), plain.size());
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "UPDATE credentials SET nonce=?, sealed=?, endpoints=?, updated_at=? "
                            "WHERE name=?");
  s.Bind(1, sealed.nonce).Bind(2, sealed.ciphertext).BindText(3, EndpointsJson(endpoints))
      .Bind(4, NowSeconds()).BindText(5, name);
  if (s.Step() != SQLITE_DONE) return db_.Error("replacing credential " + name);
  if (sqlite3_changes(db_.handle()) == 0) {
    return Status::NotFound("no stored credential '" + name + "'");
  }
  return Status::OK();
}

Result<auth::Credentials> CredentialStore::Get(const std::string& name) {
  SecretBox::Sealed sealed;
  {
    MutexLock lock(db_.mu());
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
  auto text = [&](const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  keys.access_key_id = text("access_key_id");
  keys.secret_access_key = text("secret_access_key");
  keys.session_token = text("session_token");
  return keys;
}

Result<CredentialInfo> CredentialStore::Info(const std::string& name) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT name, created_by, endpoints, created_at, updated_at "
                            "FROM credentials WHERE name=?");
  s.BindText(1, name);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) {
    return Status::NotFound("no stored credential '" + name + "'",
                            "POST /api/v1/credentials stores one; GET lists their names");
  }
  if (rc != SQLITE_ROW) return db_.Error("reading credential " + name);
  return CredentialInfo{s.Text(0), s.Text(1), ParseEndpoints(s.Text(2)), s.Int(3), s.Int(4)};
}

Result<std::vector<CredentialInfo>> CredentialStore::List() {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "SELECT name, created_by, endpoints, created_at, updated_at "
                            "FROM credentials ORDER BY name");
  std::vector<CredentialInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), ParseEndpoints(s.Text(2)), s.Int(3), s.Int(4)});
  }
  if (rc != SQLITE_DONE) return db_.Error("listing credentials");
  return out;
}

Status CredentialStore::Delete(const std::string& name) {
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "DELETE FROM credentials WHERE name=?");
  s.BindText(1, name);
  if (s.Step() != SQLITE_DONE) return db_.Error("deleting credential " + name);
  if (sqlite3_changes(db_.handle()) == 0) {
    return Status::NotFound("no stored credential '" + name + "'");
  }
  return Status::OK();
}

}  // namespace ferry::service
