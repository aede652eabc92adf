// What a run tells whoever started it, while it runs. The CLI's printer, the
// server's live run and the fleet planner's verifying compare are observers;
// the engine knows none of them.
#pragma once

#include <cstdint>
#include <string>

#include "engine/progress.h"

namespace ferry::engine {

// A key that differs, as `check` and --dry-run name it.
struct Difference {
  std::string key;
  std::string what;  // "missing in destination", "only in destination", "differs: size 5 ≠ 7", ...
  bool is_delete = false;  // only in the destination (a sync --delete would remove it)
};

struct FailedObject {
  std::string key;
  int attempts = 0;
  std::string error;
};

// Each method has a default that does nothing, so an observer overrides what it
// shows. Calls come from the engine's threads (the HTTP loop's among them): an
// observer must not block.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Listing begins. `counters` stay valid and live until OnEnd.
  virtual void OnStart(const RunCounters& counters) { (void)counters; }
  // A key that differs (check, dry run); one call at a time.
  virtual void OnDifference(const Difference& difference) { (void)difference; }
  // An object failed every attempt; the run goes on.
  virtual void OnFailure(const FailedObject& failure) { (void)failure; }
  // An entry a local folder skipped (a symbolic link, a socket...) and why;
  // `where` names the folder.
  virtual void OnSkip(const std::string& where, const std::string& key, const std::string& why);
  // Every transfer has settled (deletes and the summary follow).
  virtual void OnEnd() {}
};

// The observer of a run nobody watches.
RunObserver& NoObserver();

}  // namespace ferry::engine
