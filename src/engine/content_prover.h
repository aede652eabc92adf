// ContentProver: whether a source object and its destination counterpart hold
// the same bytes when their listings alone cannot tell (ETags of different part
// layouts or encryptions, a side without ETags), with as few requests as
// possible. Nothing is called identical without proof.
#pragma once

#include <stop_token>
#include <string>

#include "core/status.h"
#include "core/task.h"
#include "core/thread_pool.h"
#include "store/object_store.h"

namespace ferry::engine {

struct Verdict {
  bool same = false;
  std::string reason;  // "recorded source etag matches", "same content", "differs: content", ...
};

class ContentProver {
 public:
  // Bytes read to be proven are hashed on `hashing`, never on the HTTP loop.
  ContentProver(store::ObjectStore& source, store::ObjectStore& destination, ThreadPool& hashing)
      : source_(source), destination_(destination), hashing_(hashing) {}

  // The source ETag that ferry recorded on the destination copy first (one HEAD).
  // Then, with `read_bytes`, the bytes of one side hashed in the layout of the
  // other side's ETag (a file's MD5, or part-wise MD5s in an S3 object's layout),
  // or of both sides when neither ETag proves anything. Without `read_bytes` an
  // unproven pair is "differs: etag".
  Task<Result<Verdict>> Prove(const store::ObjectEntry& src, const store::ObjectEntry& dst,
                              bool read_bytes, std::stop_token stop);

 private:
  // The ETag `store` gives `entry` if its bytes were hashed in `entry`'s layout,
  // compared with the bytes of `other` read from `other_store`. NotSupported when
  // `entry`'s ETag proves nothing (no ETag, SSE-KMS, a layout the store will not tell).
  Task<Result<bool>> MatchesEtagOf(store::ObjectStore& store, const store::ObjectEntry& entry,
                                   store::ObjectStore& other_store,
                                   const store::ObjectEntry& other, std::stop_token stop);
  // Reads `entry` in ranges, handing each to `hash` on the hashing threads.
  Task<Status> ReadHashed(store::ObjectStore& store, const store::ObjectEntry& entry,
                          const std::function<void(std::string_view)>& hash,
                          std::stop_token stop);

  store::ObjectStore& source_;
  store::ObjectStore& destination_;
  ThreadPool& hashing_;
};

}  // namespace ferry::engine
