// Copies one tagged image between registries, whole: every platform of a
// multi-arch index, every blob, and the manifests' bytes exactly as fetched, so
// every digest is unchanged. Referrers (signatures, attestations) come along when
// the source has them.
//
// A resync costs two HEADs per unchanged image: the source's and the
// destination's manifest digests are compared before any body is fetched
// (manifest GETs count as pulls against Docker Hub's rate limits).
#pragma once

#include <functional>
#include <stop_token>
#include <string>

#include "core/thread_pool.h"
#include "images/blob_copier.h"
#include "images/copy_counters.h"
#include "images/registry_client.h"

namespace ferry::images {

struct ImageJob {
  std::string src_repo;
  std::string tag;
  std::string dst_repo;
  std::string dst_tag;
  // Also copy the referrers fallback tag "sha256-<hex>" of the image (OCI 1.1)
  // when the source has it. Off when every tag of the repository is copied anyway.
  bool referrers_tag = true;

  std::string Describe() const { return src_repo + ":" + tag; }
};

enum class ImageOutcome { kCopied, kUnchanged, kWouldCopy };

struct ImageResult {
  ImageOutcome outcome = ImageOutcome::kCopied;
  std::string digest;
};

class ImageCopier {
 public:
  // `blob_pool` runs blob copies of an image in parallel; its tasks never wait
  // on the pool, so callers may block on them from other threads.
  // `prepare_destination` runs once before anything is written to a repository
  // (ECR: CreateRepository); it may be empty.
  ImageCopier(RegistryClient& source, RegistryClient& destination, BlobCopier& blobs,
              ThreadPool& blob_pool, CopyCounters& counters, bool dry_run,
              std::function<Status(const std::string& repo, std::stop_token)> prepare_destination);

  Result<ImageResult> Copy(const ImageJob& job, std::stop_token stop);

 private:
  // Copies the manifest `digest` and all it references, then PUTs it as `put_reference`.
  Status CopyManifest(const ImageJob& job, const std::string& digest,
                      const std::string& put_reference, int depth, std::stop_token stop);
  Status CopyBlobs(const ImageJob& job, const std::vector<Descriptor>& blobs, std::stop_token stop);
  // True when the destination repository has the manifest `digest`.
  Result<bool> DestinationHas(const ImageJob& job, const std::string& digest,
                              std::stop_token stop);
  Status CopyReferrers(const ImageJob& job, const std::string& digest, std::stop_token stop);

  RegistryClient& src_;
  RegistryClient& dst_;
  BlobCopier& blobs_;
  ThreadPool& blob_pool_;
  CopyCounters& counters_;
  bool dry_run_;
  std::function<Status(const std::string&, std::stop_token)> prepare_destination_;
};

}  // namespace ferry::images
