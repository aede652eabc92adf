// How an object is cut into parts for a multipart upload, and how the layout a
// source object was uploaded in is learned so that a copy can reproduce it.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/task.h"
#include "store/object_store.h"

namespace ferry::engine {

struct PartPlan {
  uint64_t part_size = 0;  // part 1, and every part but the last when uniform
  int parts = 0;           // 0 = no plan
  // Where each part starts, plus the object size at the end, when the parts are
  // not all `part_size` (a layout learned from a source); empty when uniform.
  std::vector<uint64_t> starts;

  uint64_t Offset(int part_number) const {
    return starts.empty() ? (part_number - 1) * part_size : starts[part_number - 1];
  }
  uint64_t Length(int part_number, uint64_t object_size) const {
    if (!starts.empty()) return starts[part_number] - starts[part_number - 1];
    return part_number == parts ? object_size - Offset(part_number) : part_size;
  }
};

// Default part size when the user sets none: large enough to keep request
// overhead small, small enough to spread one object over many connections.
inline constexpr uint64_t kDefaultPartSize = uint64_t{16} << 20;

// Chooses the part size for `size` bytes: `requested` (0 = automatic) raised until
// the object fits in the store's part count limit, and clamped to its part size limits.
PartPlan PlanParts(uint64_t size, uint64_t requested, const store::ObjectStore& destination);

// A plan from explicit part sizes; parts == 0 when they do not add up to `size`.
PartPlan PlanFromSizes(uint64_t size, const std::vector<uint64_t>& sizes);

// True when `destination` accepts every part of `plan` (count, minimum and maximum size).
bool FitsStore(const PartPlan& plan, uint64_t size, const store::ObjectStore& destination);

// The number of parts an S3 multipart ETag ("<md5>-<parts>") names; 0 if it names none.
int EtagPartCount(const std::string& etag);

// The ETag S3 gives a multipart object: MD5 of the parts' MD5s, "-", part count.
// Beside EtagPartCount, which reads the same form: the engine and the fleet prove
// multipart copies with it; the S3 client itself never computes one.
std::string MultipartEtag(const std::string& concatenated_part_digests, int parts);

// The layout `key` (of `size` bytes, ETag `etag` of a multipart upload) was uploaded
// in, asked of the store part by part (HEAD ?partNumber=N): the first and the last
// part when they show a uniform layout, as every client but a hand-written one
// makes; every part otherwise. NotSupported when the store cannot tell, DataLoss
// when its answers contradict each other or the ETag.
Task<Result<PartPlan>> LearnLayoutAsync(store::ObjectStore& source, const std::string& key,
                                        uint64_t size, const std::string& etag,
                                        std::stop_token stop);
// The same, blocking. REQUIRES: not on the HTTP loop's thread.
Result<PartPlan> LearnLayout(store::ObjectStore& source, const std::string& key, uint64_t size,
                             const std::string& etag, std::stop_token stop);

}  // namespace ferry::engine
