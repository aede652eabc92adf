// --report FILE: one JSON line per object decided (as AWS DataSync's task
// reports): copied, skipped, deleted, failed with its reason. An observer of a
// run, or written to directly by a watch; thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "core/mutex.h"
#include "core/status.h"
#include "engine/run_observer.h"

namespace ferry::engine {

class ReportWriter final : public RunObserver {
 public:
  // An empty path writes nothing.
  static Result<std::unique_ptr<ReportWriter>> Open(const std::string& path);
  ~ReportWriter() override;
  void OnObject(const ObjectEvent& event) override;
  // The run's log names skipped entries; the report is of objects.
  void OnSkip(const std::string&, const std::string&, const std::string&) override {}

 private:
  explicit ReportWriter(FILE* file) : file_(file) {}
  Mutex mu_;
  // Null = disabled. Set once, so read freely; the stream is written under mu_.
  FILE* const file_ PT_GUARDED_BY(mu_);
};

}  // namespace ferry::engine
