#include "images/image_copier.h"

#include <future>
#include <set>

namespace ferry::images {
namespace {

constexpr int kMaxIndexDepth = 4;

// The referrers fallback tag of the OCI 1.1 distribution spec.
std::string ReferrersTag(const std::string& digest) {
  std::string tag = digest;
  tag[tag.find(':')] = '-';
  return tag;
}

}  // namespace

ImageCopier::ImageCopier(
    RegistryClient& source, RegistryClient& destination, BlobCopier& blobs, ThreadPool& blob_pool,
    CopyCounters& counters, bool dry_run,
    std::function<Status(const std::string& repo, std::stop_token)> prepare_destination)
    : src_(source),
      dst_(destination),
      blobs_(blobs),
      blob_pool_(blob_pool),
      counters_(counters),
      dry_run_(dry_run),
      prepare_destination_(std::move(prepare_destination)) {}

Result<bool> ImageCopier::DestinationHas(const ImageJob& job, const std::string& digest,
                                         std::stop_token stop) {
  auto head = dst_.HeadManifest(job.dst_repo, digest, stop);
  if (head.ok()) return true;
  if (head.error().code() == Code::kNotFound) return false;
  return std::move(head).take_error();
}

Result<ImageResult> ImageCopier::Copy(const ImageJob& job, std::stop_token stop) {
  auto source = src_.HeadManifest(job.src_repo, job.tag, stop);
  if (!source.ok()) return std::move(source).take_error();
  ImageResult result{ImageOutcome::kCopied, source->digest};
  auto existing = dst_.HeadManifest(job.dst_repo, job.dst_tag, stop);
  if (!existing.ok() && existing.error().code() != Code::kNotFound) {
    return std::move(existing).take_error();
  }
  if (existing.ok() && existing->digest == source->digest) {
    result.outcome = ImageOutcome::kUnchanged;
  } else if (dry_run_) {
    result.outcome = ImageOutcome::kWouldCopy;
    return result;
  } else {
    if (prepare_destination_) FERRY_RETURN_IF_ERROR(prepare_destination_(job.dst_repo, stop));
    FERRY_RETURN_IF_ERROR(CopyManifest(job, source->digest, job.dst_tag, 0, stop));
  }
  if (!dry_run_) FERRY_RETURN_IF_ERROR(CopyReferrers(job, source->digest, stop));
  return result;
}

Status ImageCopier::CopyManifest(const ImageJob& job, const std::string& digest,
                                 const std::string& put_reference, int depth,
                                 std::stop_token stop) {
  if (depth > kMaxIndexDepth) {
    return Status::NotSupported("indexes nested deeper than " + std::to_string(kMaxIndexDepth) +
                                " levels (" + job.Describe() + ")");
  }
  auto fetched = src_.GetManifest(job.src_repo, digest, stop);
  if (!fetched.ok()) return std::move(fetched).take_error();
  auto parsed = ParseManifest(fetched->bytes, fetched->media_type);
  if (!parsed.ok()) {
    return std::move(parsed).take_error().Context("manifest " + job.src_repo + "@" + digest +
                                                  " at registry " + src_.host());
  }
  // The bytes are pushed as fetched; a generic Content-Type is replaced by the
  // document's own media type, which registries require on PUT.
  fetched->media_type = parsed->media_type;

  std::vector<Descriptor> blobs = parsed->blobs;
  std::vector<FetchedManifest> platforms;  // image manifests of an index, pushed after their blobs
  for (const auto& child : parsed->children) {
    auto has = DestinationHas(job, child.digest, stop);
    if (!has.ok()) return std::move(has).take_error();
    if (*has) continue;
    if (IsIndexType(child.media_type)) {
      FERRY_RETURN_IF_ERROR(CopyManifest(job, child.digest, child.digest, depth + 1, stop));
      continue;
    }
    auto platform = src_.GetManifest(job.src_repo, child.digest, stop);
    if (!platform.ok()) return std::move(platform).take_error();
    auto manifest = ParseManifest(platform->bytes, platform->media_type);
    if (!manifest.ok()) {
      return std::move(manifest).take_error().Context(
          "manifest " + job.src_repo + "@" + child.digest + " (" + child.platform + ")");
    }
    if (manifest->is_index) {
      FERRY_RETURN_IF_ERROR(CopyManifest(job, child.digest, child.digest, depth + 1, stop));
      continue;
    }
    platform->media_type = manifest->media_type;
    blobs.insert(blobs.end(), manifest->blobs.begin(), manifest->blobs.end());
    platforms.push_back(std::move(*platform));
  }
  // Every blob of every platform in parallel, then the manifests that need them.
  FERRY_RETURN_IF_ERROR(CopyBlobs(job, blobs, stop));
  for (const auto& platform : platforms) {
    FERRY_RETURN_IF_ERROR(dst_.PutManifest(job.dst_repo, platform.digest, platform, stop));
    ++counters_.manifests_pushed;
  }
  FERRY_RETURN_IF_ERROR(dst_.PutManifest(job.dst_repo, put_reference, *fetched, stop));
  ++counters_.manifests_pushed;
  return Status::OK();
}

Status ImageCopier::CopyBlobs(const ImageJob& job, const std::vector<Descriptor>& blobs,
                              std::stop_token stop) {
  std::set<std::string> seen;
  std::vector<std::future<Status>> pending;
  for (const auto& blob : blobs) {
    if (!seen.insert(blob.digest).second) continue;
    auto task = std::make_shared<std::packaged_task<Status()>>(
        [this, &job, blob, stop] { return blobs_.Copy(job.src_repo, job.dst_repo, blob, stop); });
    pending.push_back(task->get_future());
    blob_pool_.Submit([task] { (*task)(); });
  }
  Status first;
  for (auto& f : pending) {
    Status st = f.get();
    if (first.ok() && !st.ok()) first = std::move(st);
  }
  return first;
}

Status ImageCopier::CopyReferrers(const ImageJob& job, const std::string& digest,
                                  std::stop_token stop) {
  auto referrers = src_.Referrers(job.src_repo, digest, stop);
  if (!referrers.ok()) return std::move(referrers).take_error();
  for (const auto& referrer : *referrers) {
    auto has = DestinationHas(job, referrer.digest, stop);
    if (!has.ok()) return std::move(has).take_error();
    if (!*has) FERRY_RETURN_IF_ERROR(CopyManifest(job, referrer.digest, referrer.digest, 1, stop));
  }
  if (!job.referrers_tag) return Status::OK();
  const std::string tag = ReferrersTag(digest);
  auto fallback = src_.HeadManifest(job.src_repo, tag, stop);
  if (!fallback.ok()) {
    return fallback.error().code() == Code::kNotFound ? Status::OK()
                                                      : std::move(fallback).take_error();
  }
  ImageJob attached{job.src_repo, tag, job.dst_repo, tag, /*referrers_tag=*/false};
  auto copied = Copy(attached, stop);
  return copied.ok() ? Status::OK() : std::move(copied).take_error();
}

}  // namespace ferry::images
