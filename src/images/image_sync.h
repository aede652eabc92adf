// A run of image copies: images in parallel (and the blobs of each image in
// parallel), each retried on transient failures, with a summary at the end.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "images/image_copier.h"
#include "images/registry_client.h"

namespace ferry::images {

struct ImageSyncOptions {
  // Blobs in flight, and images in flight. Memory is bounded by the blobs
  // (about transfers x chunk_size); an image in flight holds only manifests.
  int transfers = 8;
  int max_attempts = 3;               // per image, on retryable failures (requests retry too)
  uint64_t chunk_size = 16ull << 20;  // memory per blob in flight; larger blobs go in chunks
  bool dry_run = false;               // decide and report; write nothing
  // Runs once per destination repository before it is written (ECR: CreateRepository).
  std::function<Status(const std::string& repo, std::stop_token)> prepare_destination;
  // Optional, for live progress: called as each image ends (copied, unchanged,
  // or failed every attempt; not for a fatal error), from the copy threads.
  std::function<void(const ImageJob&, const Result<ImageResult>&, int attempts)> on_image;
  // Optional: uploaded blob bytes are also added here as each blob ends.
  std::atomic<uint64_t>* bytes_uploaded_live = nullptr;
};

struct ImageFailure {
  std::string image;  // "src_repo:tag"
  int attempts = 0;
  Status error;
};

struct ImageSyncSummary {
  uint64_t images = 0;
  uint64_t copied = 0;
  uint64_t unchanged = 0;
  uint64_t would_copy = 0;  // --dry-run
  uint64_t failed = 0;
  uint64_t blobs_uploaded = 0;
  uint64_t blobs_existing = 0;
  uint64_t blobs_mounted = 0;
  uint64_t bytes_uploaded = 0;
  uint64_t manifests_pushed = 0;
  double seconds = 0;
  std::vector<ImageFailure> failures;
  std::vector<std::string> would_copy_images;  // --dry-run: "src_repo:tag -> dst_repo:tag"
};

// Copies every job. Returns the summary, or the first fatal error (a refused
// login, an unreachable registry, Ctrl-C), which stops the other copies.
Result<ImageSyncSummary> RunImageSync(RegistryClient& source, RegistryClient& destination,
                                      const std::vector<ImageJob>& jobs,
                                      const ImageSyncOptions& options, std::stop_token stop);

}  // namespace ferry::images
