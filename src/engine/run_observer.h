// What a run tells whoever started it, while it runs. The CLI's printer,
// --report's file, the server's live run and the fleet planner's verifying
// compare are observers; the engine knows none of them.
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

// An object decided (as AWS DataSync's task reports name them).
struct ObjectEvent {
  // copied | skipped | deleted | failed | differs | would-copy | would-delete | delete-refused
  const char* action = "";
  std::string key;
  uint64_t size = 0;
  std::string reason;
  std::string method;  // for copies
  int attempts = 0;
  std::string error;  // for failures
  bool unverified = false;  // copied without a checksum that proves the bytes
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
  // Every object decided: copied, skipped, deleted, failed... Calls may come
  // from several threads at once.
  virtual void OnObject(const ObjectEvent& event) { (void)event; }
  // A key that differs (check, dry run); one call at a time.
  virtual void OnDifference(const Difference& difference) { (void)difference; }
  // An object failed every attempt; the run goes on.
  virtual void OnFailure(const FailedObject& failure) { (void)failure; }
  // An entry a local folder skipped (a symbolic link, a socket...) and why;
  // `where` names the folder.
  virtual void OnSkip(const std::string& where, const std::string& key, const std::string& why);
  // Every transfer has settled (deletes, each told to OnObject, and the
  // summary follow).
  virtual void OnEnd() {}
};

// The observer of a run nobody watches.
RunObserver& NoObserver();

// Tells `first` then `second` everything; both outlive it.
class ObserverPair final : public RunObserver {
 public:
  ObserverPair(RunObserver& first, RunObserver& second) : first_(first), second_(second) {}
  void OnStart(const RunCounters& counters) override;
  void OnObject(const ObjectEvent& event) override;
  void OnDifference(const Difference& difference) override;
  void OnFailure(const FailedObject& failure) override;
  void OnSkip(const std::string& where, const std::string& key, const std::string& why) override;
  void OnEnd() override;

 private:
  RunObserver& first_;
  RunObserver& second_;
};

}  // namespace ferry::engine
