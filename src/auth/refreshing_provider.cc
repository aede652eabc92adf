#include "auth/refreshing_provider.h"

namespace ferry::auth {

Result<Credentials> RefreshingProvider::Get(std::stop_token stop) {
  MutexLock lock(mu_);
  if (cached_ && (!cached_->expiration || *cached_->expiration - margin_ > clock_())) {
    return *cached_;
  }
  auto fresh = Fetch(stop);
  if (!fresh.ok()) return fresh;
  cached_ = *fresh;
  return *fresh;
}

std::optional<Credentials> RefreshingProvider::Cached() {
  if (!mu_.TryLock()) return std::nullopt;  // held: a refresh is under way
  std::optional<Credentials> valid;
  if (cached_ && (!cached_->expiration || *cached_->expiration - margin_ > clock_())) {
    valid = *cached_;
  }
  mu_.Unlock();
  return valid;
}

bool RefreshingProvider::Invalidate() {
  MutexLock lock(mu_);
  cached_.reset();
  return true;
}

}  // namespace ferry::auth
