#include "images/image_sync.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/backoff.h"
#include "core/log.h"
#include "core/mutex.h"
#include "core/thread_pool.h"
#include "images/blob_copier.h"

namespace ferry::images {
namespace {

// Failures that no other image would survive either.
bool IsFatal(const Status& st) {
  return st.code() == Code::kUnauthenticated || st.code() == Code::kUnavailable ||
         st.code() == Code::kDeadlineExceeded || st.code() == Code::kCancelled;
}

bool IsWorthRetry(const Status& st) {
  return st.IsRetryable() || st.code() == Code::kDataLoss;
}

// Waits `delay` unless a stop is requested first.
void Pause(std::chrono::milliseconds delay, std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, delay, [] { return false; });
}

}  // namespace

Result<ImageSyncSummary> RunImageSync(RegistryClient& source, RegistryClient& destination,
                                      const std::vector<ImageJob>& jobs,
                                      const ImageSyncOptions& options, std::stop_token stop) {
  const auto started = std::chrono::steady_clock::now();
  std::stop_source run;  // stopped by the caller or by a fatal error
  std::stop_callback forward(stop, [&run] { run.request_stop(); });

  CopyCounters counters;
  counters.bytes_uploaded_live = options.bytes_uploaded_live;
  ImageSyncSummary summary;
  summary.images = jobs.size();
  Mutex mu;  // guards summary and fatal
  Status fatal;
  {
    // Declared before the image pool so it is joined after it: image tasks wait on blob tasks.
    ThreadPool blob_pool(options.transfers);
    BlobCopier blobs(source, destination, options.chunk_size, counters);
    ImageCopier copier(source, destination, blobs, blob_pool, counters, options.dry_run,
                       options.prepare_destination);
    const BackoffPolicy backoff{.max_attempts = options.max_attempts,
                                .base = std::chrono::milliseconds(500)};
    ThreadPool image_pool(std::max(1, options.transfers));
    for (const auto& job : jobs) {
      image_pool.Submit([&, job] {
        Result<ImageResult> result = Status::Cancelled();
        int attempt = 1;
        for (;; ++attempt) {
          if (run.stop_requested()) break;
          result = copier.Copy(job, run.get_token());
          if (result.ok() || !IsWorthRetry(result.error()) || attempt >= options.max_attempts) {
            break;
          }
          spdlog::info("retrying {} after: {}", job.Describe(), result.error().ToString());
          Pause(FullJitterDelay(backoff, attempt), run.get_token());
        }
        // A fatal error (or a stop) is the run's, not this image's: not reported per image.
        if (options.on_image && (result.ok() || !IsFatal(result.error()))) {
          options.on_image(job, result, attempt);
        }
        MutexLock lock(mu);
        if (result.ok()) {
          switch (result->outcome) {
            case ImageOutcome::kCopied: ++summary.copied; break;
            case ImageOutcome::kUnchanged: ++summary.unchanged; break;
            case ImageOutcome::kWouldCopy:
              ++summary.would_copy;
              summary.would_copy_images.push_back(job.Describe() + " -> " + job.dst_repo + ":" +
                                                  job.dst_tag);
              break;
          }
          spdlog::info("{} {} -> {}:{} ({})",
                      result->outcome == ImageOutcome::kCopied      ? "copied"
                      : result->outcome == ImageOutcome::kUnchanged ? "unchanged"
                                                                    : "would copy",
                      job.Describe(), job.dst_repo, job.dst_tag, result->digest);
          return;
        }
        Status error = std::move(result).take_error().Context(
            "image " + source.host() + "/" + job.Describe() + " -> " + destination.host() + "/" +
            job.dst_repo + ":" + job.dst_tag);
        if (IsFatal(error)) {
          if (fatal.ok()) fatal = error;
          run.request_stop();
          return;
        }
        ++summary.failed;
        summary.failures.push_back({job.Describe(), attempt, std::move(error)});
      });
    }
  }
  if (!fatal.ok()) return fatal;
  summary.blobs_uploaded = counters.blobs_uploaded;
  summary.blobs_existing = counters.blobs_existing;
  summary.blobs_mounted = counters.blobs_mounted;
  summary.bytes_uploaded = counters.bytes_uploaded;
  summary.manifests_pushed = counters.manifests_pushed;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace ferry::images
