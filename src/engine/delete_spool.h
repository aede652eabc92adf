// Keys to delete, held on disk until both listings have finished cleanly:
// --delete never acts on a partial view, and a million extra keys cost no RAM.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::engine {

struct SpooledDelete {
  std::string key;
  uint64_t size = 0;  // as listed, for the report
};

class DeleteSpool {
 public:
  DeleteSpool();
  ~DeleteSpool();
  DeleteSpool(const DeleteSpool&) = delete;
  DeleteSpool& operator=(const DeleteSpool&) = delete;

  Status Add(const std::string& key, uint64_t size);
  uint64_t size() const { return count_; }
  // Calls `batch` with up to `batch_size` keys at a time, in the order added.
  Status ForEachBatch(size_t batch_size,
                      const std::function<Status(const std::vector<SpooledDelete>&)>& batch);

 private:
  FILE* file_;  // anonymous temporary file, removed on close
  uint64_t count_ = 0;
};

}  // namespace ferry::engine
