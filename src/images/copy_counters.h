// What a run of image copies did, counted as it happens (shared by every worker).
#pragma once

#include <atomic>
#include <cstdint>

namespace ferry::images {

struct CopyCounters {
  std::atomic<uint64_t> blobs_uploaded{0};
  std::atomic<uint64_t> blobs_existing{0};  // already in the destination: not sent
  std::atomic<uint64_t> blobs_mounted{0};   // mounted from another repository of the registry
  std::atomic<uint64_t> bytes_uploaded{0};
  std::atomic<uint64_t> manifests_pushed{0};
  // When set, uploaded bytes are also added here as each blob ends: a caller's
  // live progress counter (a server task's).
  std::atomic<uint64_t>* bytes_uploaded_live = nullptr;
};

}  // namespace ferry::images
