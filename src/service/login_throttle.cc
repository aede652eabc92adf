#include "service/login_throttle.h"

#include <algorithm>

namespace ferry::service {

Status LoginThrottle::Check(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return Status::OK();
  return Status(Code::kResourceExhausted,
                "too many failed logins; try again in " +
                    std::to_string(it->second.locked_until - now) + " s",
                "the username and password");
}

void LoginThrottle::Failed(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) {
    // Bounded memory: forget the entry seen longest ago.
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    entries_.erase(oldest);
  }
  Entry& e = entries_[key];
  e.last_seen = now;
  if (++e.failures < kFreeFailures) return;
  const int64_t seconds =
      std::min(kMaxLockSeconds, kFirstLockSeconds << std::min(e.lockouts, 5));
  e.locked_until = now + seconds;
  e.failures = 0;
  ++e.lockouts;
}

void LoginThrottle::Succeeded(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

}  // namespace ferry::service
