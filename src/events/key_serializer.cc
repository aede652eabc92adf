#include "events/key_serializer.h"

namespace ferry::events {

void KeySerializer::Run(const std::string& key, Work work) {
  {
    MutexLock lock(mu_);
    auto [it, inserted] = waiting_.try_emplace(key);
    if (!inserted) {
      it->second.push_back(std::move(work));
      return;
    }
  }
  Start(key, std::move(work));
}

void KeySerializer::Start(const std::string& key, Work work) {
  pool_.Submit([this, key, work = std::move(work)] { work([this, key] { Finish(key); }); });
}

void KeySerializer::Finish(const std::string& key) {
  Work next;
  {
    MutexLock lock(mu_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    if (it->second.empty()) {
      waiting_.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  Start(key, std::move(next));
}

size_t KeySerializer::active() const {
  MutexLock lock(mu_);
  return waiting_.size();
}

}  // namespace ferry::events
