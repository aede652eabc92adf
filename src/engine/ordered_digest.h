// The MD5 of a whole object whose parts are read in parallel and finish in any
// order: each part waits, holding its bytes, until every earlier part has been
// hashed. It proves a copy made in ferry's own parts against a single-part
// source's ETag (the MD5 of its bytes).
//
// No deadlock: parts are submitted to a FIFO pool in order with their memory
// already leased, so when part n waits, every part before it has started and
// holds what it needs to finish.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "s3/checksum.h"

namespace ferry::engine {

class OrderedDigest {
 public:
  // Blocks until parts 1..part_number-1 are hashed, then hashes `data`. Returns
  // false without hashing when stopped or abandoned first.
  bool Feed(int part_number, std::string_view data, std::stop_token stop);
  // An earlier part will never come (it failed): wakes and refuses every waiter.
  void Abandon();
  // The hex MD5 of all parts fed. REQUIRES: every part was fed.
  std::string FinishHex();

 private:
  std::mutex mu_;
  std::condition_variable_any turn_;
  int next_ = 1;            // guarded by mu_
  bool abandoned_ = false;  // guarded by mu_
  s3::Md5 md5_;             // guarded by mu_ (written by the part whose turn it is)
};

inline bool OrderedDigest::Feed(int part_number, std::string_view data, std::stop_token stop) {
  std::unique_lock lock(mu_);
  turn_.wait(lock, stop, [&] { return abandoned_ || next_ == part_number; });
  if (abandoned_ || next_ != part_number) return false;
  // Hashing under the lock costs nothing: no other part may hash before this one.
  md5_.Update(data);
  ++next_;
  lock.unlock();
  turn_.notify_all();
  return true;
}

inline void OrderedDigest::Abandon() {
  {
    std::lock_guard lock(mu_);
    abandoned_ = true;
  }
  turn_.notify_all();
}

inline std::string OrderedDigest::FinishHex() {
  std::lock_guard lock(mu_);
  return s3::Md5::Hex(md5_.Finish());
}

}  // namespace ferry::engine
