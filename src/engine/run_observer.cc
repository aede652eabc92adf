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

void ObserverPair::OnStart(const RunCounters& counters) {
  first_.OnStart(counters);
  second_.OnStart(counters);
}

void ObserverPair::OnObject(const ObjectEvent& event) {
  first_.OnObject(event);
  second_.OnObject(event);
}

void ObserverPair::OnDifference(const Difference& difference) {
  first_.OnDifference(difference);
  second_.OnDifference(difference);
}

void ObserverPair::OnFailure(const FailedObject& failure) {
  first_.OnFailure(failure);
  second_.OnFailure(failure);
}

void ObserverPair::OnSkip(const std::string& where, const std::string& key,
                          const std::string& why) {
  first_.OnSkip(where, key, why);
  second_.OnSkip(where, key, why);
}

void ObserverPair::OnEnd() {
  first_.OnEnd();
  second_.OnEnd();
}

}  // namespace ferry::engine
