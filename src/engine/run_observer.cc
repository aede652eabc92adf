#include "engine/run_observer.h"

#include <spdlog/spdlog.h>

namespace ferry::engine {

void RunObserver::OnSkip(const std::string& where, const std::string& key,
                         const std::string& why) {
  spdlog::warn("skipped '{}' in {}: {}", key, where, why);
}

RunObserver& NoObserver() {
  static RunObserver none;
  return none;
}

}  // namespace ferry::engine
