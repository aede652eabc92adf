// Slows password guessing: after 5 failed logins in a row for one user from one
// address, that pair is refused for 30 seconds, doubling with each further lockout
// (15 minutes at most). Other addresses are not locked out, so an attacker cannot
// lock the real user out. In memory: a restart forgets it. The table is bounded;
// a locked pair is never evicted to make room (that would lift its lockout),
// and while every entry is locked, pairs it cannot record are refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/mutex.h"
#include "core/status.h"

namespace ferry::service {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr int64_t kFirstLockSeconds = 30;
  static constexpr int64_t kMaxLockSeconds = 900;

  LoginThrottle() = default;
  explicit LoginThrottle(size_t max_entries) : max_entries_(max_entries) {}

  // ResourceExhausted while `key` is locked, saying for how long.
  Status Check(const std::string& key, int64_t now);
  void Failed(const std::string& key, int64_t now);
  void Succeeded(const std::string& key);

 private:
  struct Entry {
    int failures = 0;  // since the last success or lockout
    int lockouts = 0;
    int64_t locked_until = 0;
    int64_t last_seen = 0;
  };
  static constexpr size_t kMaxEntries = 10000;
  // Evicts the least recently seen unlocked entry; false when all are locked.
  bool MakeRoomLocked(int64_t now) REQUIRES(mu_);

  size_t max_entries_ = kMaxEntries;
  Mutex mu_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);
};

}  // namespace ferry::service
