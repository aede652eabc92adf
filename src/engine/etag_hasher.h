// The ETag S3 would give a stream of bytes uploaded in a given layout: the MD5
// of the bytes for a single PUT, the MD5 of the parts' MD5s and "-N" for N parts.
// Used to prove an object equal to another from its bytes alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/md5.h"
#include "engine/part_plan.h"

namespace ferry::engine {

class EtagHasher {
 public:
  // `plan` with parts == 0: a single PUT. REQUIRES: `size` is the stream's length.
  EtagHasher(PartPlan plan, uint64_t size);

  void Update(std::string_view data);
  // The ETag of what was fed. REQUIRES: exactly `size` bytes were fed.
  std::string Etag();

 private:
  const PartPlan plan_;
  const uint64_t size_;
  int part_ = 1;               // the part being hashed
  uint64_t part_left_ = 0;     // its bytes still to come
  std::unique_ptr<Md5> md5_ = std::make_unique<Md5>();
  std::string part_digests_;   // the finished parts' raw MD5s
};

}  // namespace ferry::engine
