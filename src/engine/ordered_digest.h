// The MD5 of a whole object whose parts are read in parallel and finish in any
// order: each part waits, without a thread, until every earlier part has been
// hashed. It proves a copy made in ferry's own parts against a single-part
// source's ETag (the MD5 of its bytes).
//
// No deadlock: a multipart copy leases memory and part slots in part order, so
// when part n waits for its turn, every part before it holds what it needs to finish.
#pragma once

#include <coroutine>
#include <map>
#include <string>
#include <string_view>

#include "core/md5.h"
#include "core/mutex.h"

namespace ferry::engine {

class OrderedDigest {
 public:
  // Resumes once parts 1..part_number-1 are hashed; yields false when abandoned.
  auto Turn(int part_number) {
    struct Awaiter {
      OrderedDigest& digest;
      int n;
      bool await_ready() {
        MutexLock lock(digest.mu_);
        return digest.abandoned_ || digest.next_ == n;
      }
      bool await_suspend(std::coroutine_handle<> h) {
        MutexLock lock(digest.mu_);
        if (digest.abandoned_ || digest.next_ == n) return false;
        digest.waiting_[n] = h;
        return true;
      }
      bool await_resume() {
        MutexLock lock(digest.mu_);
        return !digest.abandoned_;
      }
    };
    return Awaiter{*this, part_number};
  }
  // Hashes part `part_number`'s bytes and lets the next part go (it resumes on
  // this thread). REQUIRES: its Turn yielded true.
  void Feed(int part_number, std::string_view data) {
    md5_.Update(data);  // only the part whose turn it is gets here
    std::coroutine_handle<> next;
    {
      MutexLock lock(mu_);
      next_ = part_number + 1;
      if (auto it = waiting_.find(next_); it != waiting_.end()) {
        next = it->second;
        waiting_.erase(it);
      }
    }
    if (next) next.resume();
  }
  // An earlier part will never come (it failed, or the run stopped): every
  // waiter resumes and is refused.
  void Abandon() {
    std::map<int, std::coroutine_handle<>> waiting;
    {
      MutexLock lock(mu_);
      abandoned_ = true;
      waiting.swap(waiting_);
    }
    for (auto& [n, h] : waiting) h.resume();
  }
  // The hex MD5 of all parts fed. REQUIRES: every part was fed.
  std::string FinishHex() {
    MutexLock lock(mu_);
    return Md5::Hex(md5_.Finish());
  }

 private:
  Mutex mu_;
  int next_ GUARDED_BY(mu_) = 1;
  bool abandoned_ GUARDED_BY(mu_) = false;
  std::map<int, std::coroutine_handle<>> waiting_ GUARDED_BY(mu_);
  Md5 md5_;  // written by the part whose turn it is, read once all are fed
};

}  // namespace ferry::engine
