// Temporary credentials fetched from a service (STS, ECS, IMDS), cached and
// fetched again shortly before they expire, so a long run never signs with
// expired keys.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "auth/credentials.h"
#include "core/mutex.h"

namespace ferry::auth {

class RefreshingProvider : public CredentialProvider {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Refreshes when less than `margin` of validity is left.
  explicit RefreshingProvider(std::chrono::seconds margin = std::chrono::minutes(5),
                              Clock clock = std::chrono::system_clock::now)
      : margin_(margin), clock_(std::move(clock)) {}

  Result<Credentials> Get(std::stop_token stop) final;
  std::optional<Credentials> Cached() final;
  bool Invalidate() final;

 protected:
  // Fetches fresh credentials; `expiration` should be set.
  virtual Result<Credentials> Fetch(std::stop_token stop) = 0;

 private:
  const std::chrono::seconds margin_;
  const Clock clock_;
  Mutex mu_;  // also serialises fetches: one refresh at a time
  std::optional<Credentials> cached_ GUARDED_BY(mu_);
};

}  // namespace ferry::auth
