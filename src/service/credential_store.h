// Stored credentials: access keys that tasks name instead of carrying them.
// Sealed with SecretBox before they reach the database; the API returns names,
// owners, endpoints and dates only, never a value.
//
// A credential belongs to the user who stored it and is bound to the endpoints
// it was stored for: only its owner or an admin may use, replace or delete it,
// and only for one of those endpoints (task_check.cc enforces both).
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
  std::string owner;
  std::vector<std::string> endpoints;  // origins, normalised: "https://host[:port]"
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class CredentialStore {
 public:
  CredentialStore(Database& db, const SecretBox& box) : db_(db), box_(box) {}

  // Creates `name`, owned by `owner`. AlreadyExists when the name is taken.
  Status Create(const std::string& name, const auth::Credentials& keys,
                const std::vector<std::string>& endpoints, const std::string& owner);
  // Replaces the keys and endpoints of `name` (its owner stays). NotFound when missing.
  Status Replace(const std::string& name, const auth::Credentials& keys,
                 const std::vector<std::string>& endpoints);
  Result<auth::Credentials> Get(const std::string& name);
  // NotFound when missing.
  Result<CredentialInfo> Info(const std::string& name);
  Result<std::vector<CredentialInfo>> List();
  Status Delete(const std::string& name);

 private:
  Database& db_;
  const SecretBox& box_;
};

// Names of credentials: 1-64 of [A-Za-z0-9._-].
Status CheckCredentialName(const std::string& name);

// "https://host[:port]" of an http(s) URL, lower case, default port left out;
// InvalidArgument when `url` is not one. What bindings are compared by.
Result<std::string> EndpointOrigin(const std::string& url);

// Whether `origin` (from EndpointOrigin) is one of `bound`. A binding to an
// Amazon service's global name ("https://s3.amazonaws.com") covers its regional
// names too ("https://s3.eu-west-1.amazonaws.com").
bool EndpointBound(const std::vector<std::string>& bound, const std::string& origin);

}  // namespace ferry::service
