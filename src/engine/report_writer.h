// --report FILE: one JSON line per object decided (as AWS DataSync's task
// reports): copied, skipped, deleted, failed with its reason. Thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "core/mutex.h"
#include "core/status.h"

namespace ferry::engine {

struct ReportLine {
  // copied | skipped | deleted | failed | differs | would-copy | would-delete | delete-refused
  const char* action = "";
  std::string key;
  uint64_t size = 0;
  std::string reason;
  std::string method;  // for copies
  int attempts = 0;
  std::string error;   // for failures
  bool unverified = false;  // copied without a checksum that proves the bytes
};

class ReportWriter {
 public:
  // An empty path writes nothing.
  static Result<std::unique_ptr<ReportWriter>> Open(const std::string& path);
  ~ReportWriter();
  void Write(const ReportLine& line);

 private:
  explicit ReportWriter(FILE* file) : file_(file) {}
  Mutex mu_;
  // Null = disabled. Set once, so read freely; the stream is written under mu_.
  FILE* const file_ PT_GUARDED_BY(mu_);
};

}  // namespace ferry::engine
