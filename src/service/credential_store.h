// Stored credentials: access keys that tasks name instead of carrying them.
// Sealed with SecretBox before they reach the database; the API returns names
// and dates only, never a value.
#pragma once

#include <string>
#include <vector>

#include "auth/credentials.h"
#include "core/status.h"
#include "service/database.h"
#include "service/secret_box.h"

namespace ferry::service {

struct CredentialInfo {
  std::string name;
  int64_t created_at = 0;
  std::string created_by;
};

class CredentialStore {
 public:
  CredentialStore(Database& db, const SecretBox& box) : db_(db), box_(box) {}

  // Creates or replaces `name`.
  Status Put(const std::string& name, const auth::Credentials& keys,
             const std::string& created_by);
  Result<auth::Credentials> Get(const std::string& name);
  bool Exists(const std::string& name);
  Result<std::vector<CredentialInfo>> List();
  Status Delete(const std::string& name);

 private:
  Database& db_;
  const SecretBox& box_;
};

// Names of credentials: 1-64 of [A-Za-z0-9._-].
Status CheckCredentialName(const std::string& name);

}  // namespace ferry::service
