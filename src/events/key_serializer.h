// KeySerializer: work on one key runs one piece at a time, in the order it was
// given, while work on different keys runs in parallel. Two events for one key
// (a put and its overwrite, an event and the resync's decision) are never
// applied at once, so the later one always acts last.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "core/mutex.h"
#include "core/thread_pool.h"

namespace ferry::events {

class KeySerializer {
 public:
  // Called with `done`, which the work calls exactly once when it is over
  // (perhaps later, on another thread): the key's next piece of work starts then.
  using Work = std::function<void(std::function<void()> done)>;

  explicit KeySerializer(ThreadPool& pool) : pool_(pool) {}

  // Runs `work` on the pool once every earlier work for `key` is done.
  void Run(const std::string& key, Work work);
  // Keys with work running or waiting.
  size_t active() const;

 private:
  void Start(const std::string& key, Work work);
  void Finish(const std::string& key);

  ThreadPool& pool_;
  mutable Mutex mu_;
  // A key is present while work for it runs; its deque holds what waits.
  std::unordered_map<std::string, std::deque<Work>> waiting_ GUARDED_BY(mu_);
};

}  // namespace ferry::events
