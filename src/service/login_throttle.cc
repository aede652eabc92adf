#include "service/login_throttle.h"

#include <algorithm>

namespace ferry::service {

Status LoginThrottle::Check(const std::string& key, int64_t now) {
  MutexLock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    // A full table of locked pairs means a guessing attack: a pair it could not
    // record must not guess freely either, until room is made.
    if (entries_.size() >= max_entries_ && !MakeRoomLocked(now)) {
      return Status(Code::kResourceExhausted,
                    "too many failed logins on this server; try again in a minute",
                    "the username and password");
    }
    return Status::OK();
  }
  if (it->second.locked_until <= now) return Status::OK();
  return Status(Code::kResourceExhausted,
                "too many failed logins; try again in " +
                    std::to_string(it->second.locked_until - now) + " s",
                "the username and password");
}

bool LoginThrottle::MakeRoomLocked(int64_t now) {
  // Bounded memory: forget the unlocked entry seen longest ago. A locked entry
  // is never forgotten, so filling the table cannot lift a lockout.
  auto oldest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.locked_until > now) continue;
    if (oldest == entries_.end() || it->second.last_seen < oldest->second.last_seen) oldest = it;
  }
  if (oldest == entries_.end()) return false;
  entries_.erase(oldest);
  return true;
}

void LoginThrottle::Failed(const std::string& key, int64_t now) {
  MutexLock lock(mu_);
  if (entries_.size() >= max_entries_ && !entries_.contains(key) && !MakeRoomLocked(now)) {
    return;  // Check refuses untracked pairs while the table is full of locks
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
  MutexLock lock(mu_);
  entries_.erase(key);
}

}  // namespace ferry::service
