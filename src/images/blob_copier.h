// Copies one blob between registries: nothing when the destination has it, a
// cross-repository mount when the registry already holds it elsewhere, else the
// bytes stream through memory (never disk) in one PUT or in PATCH chunks, and
// their sha256 is checked before the upload is closed.
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <stop_token>
#include <string>

#include "core/mutex.h"
#include "images/copy_counters.h"
#include "images/manifest.h"
#include "images/registry_client.h"

namespace ferry::images {

class BlobCopier {
 public:
  // `chunk_size`: blobs up to this size go in one PUT; larger ones are read with
  // ranged GETs and sent in PATCH chunks of this size, so one blob holds at most
  // `chunk_size` bytes of memory.
  BlobCopier(RegistryClient& source, RegistryClient& destination, uint64_t chunk_size,
             CopyCounters& counters);

  // Thread-safe. A blob already being copied by another caller is waited for,
  // not sent twice: into the same repository it is then done, into another one
  // it is mounted from there.
  Status Copy(const std::string& src_repo, const std::string& dst_repo, const Descriptor& blob,
              std::stop_token stop);

 private:
  Status CopyOnce(const std::string& src_repo, const std::string& dst_repo,
                  const Descriptor& blob, std::stop_token stop);
  // Streams the bytes into the open session at `location`.
  Status Send(const std::string& src_repo, const std::string& dst_repo, const Descriptor& blob,
              std::string location, std::stop_token stop);
  // A repository of the destination registry known to hold `digest`, or "".
  std::string MountSource(const std::string& src_repo, const std::string& dst_repo,
                          const std::string& digest);

  RegistryClient& src_;
  RegistryClient& dst_;
  uint64_t chunk_size_;
  CopyCounters& counters_;

  Mutex mu_;
  struct InFlight {
    std::string dst_repo;
    std::shared_future<Status> done;
  };
  std::map<std::string, InFlight> in_flight_ GUARDED_BY(mu_);  // by digest
  std::map<std::string, std::string> present_ GUARDED_BY(mu_);  // digest -> a dst repo holding it
};

}  // namespace ferry::images
