// AWS-style credentials and the interface every credential source implements.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "core/status.h"

namespace ferry::auth {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary
  // When set, the credentials stop working at this time.
  std::optional<std::chrono::system_clock::time_point> expiration;

  bool empty() const { return access_key_id.empty() && secret_access_key.empty(); }
};

// A source of credentials. Implementations are thread-safe and cache what they
// fetch, refreshing temporary credentials before they expire.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;

  // Current credentials. Errors name the source and what to check, never a secret.
  // May block on I/O (a file, STS, a metadata service): never call it on the
  // HTTP loop's thread; ask Cached() there.
  virtual Result<Credentials> Get(std::stop_token stop = {}) = 0;

  // The credentials Get would return, when that needs no I/O (already read and
  // not about to expire); nullopt otherwise.
  virtual std::optional<Credentials> Cached() { return std::nullopt; }

  // The service rejected the credentials (rotated or expired key). Sources that
  // can re-read (secret stores, files) drop their cache and return true: another
  // attempt may succeed. Others return false.
  virtual bool Invalidate() { return false; }

  // Where the credentials come from, for messages: "environment variables",
  // "profile 'prod' in ~/.aws/credentials". Never contains a secret.
  virtual std::string Describe() const = 0;
};

// Anonymous access: requests go unsigned (public buckets).
class AnonymousProvider final : public CredentialProvider {
 public:
  Result<Credentials> Get(std::stop_token) override { return Credentials{}; }
  std::optional<Credentials> Cached() override { return Credentials{}; }
  std::string Describe() const override { return "anonymous access"; }
};

}  // namespace ferry::auth
