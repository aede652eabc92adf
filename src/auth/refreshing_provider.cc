#include "auth/refreshing_provider.h"

namespace ferry::auth {

Result<Credentials> RefreshingProvider::Get(std::stop_token stop) {
  std::lock_guard lock(mu_);
  if (cached_ && (!cached_->expiration || *cached_->expiration - margin_ > clock_())) {
    return *cached_;
  }
  auto fresh = Fetch(stop);
  if (!fresh.ok()) return fresh;
  cached_ = *fresh;
  return *fresh;
}

std::optional<Credentials> RefreshingProvider::Cached() {
  std::unique_lock lock(mu_, std::try_to_lock);  // held: a refresh is under way
  if (lock && cached_ && (!cached_->expiration || *cached_->expiration - margin_ > clock_())) {
    return *cached_;
  }
  return std::nullopt;
}

bool RefreshingProvider::Invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
  return true;
}

}  // namespace ferry::auth
