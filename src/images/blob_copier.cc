#include "images/blob_copier.h"

#include "images/digest.h"

namespace ferry::images {

BlobCopier::BlobCopier(RegistryClient& source, RegistryClient& destination, uint64_t chunk_size,
                       CopyCounters& counters)
    : src_(source), dst_(destination), chunk_size_(chunk_size), counters_(counters) {}

Status BlobCopier::Copy(const std::string& src_repo, const std::string& dst_repo,
                        const Descriptor& blob, std::stop_token stop) {
  std::promise<Status> mine;
  for (MutexLock lock(mu_);;) {
    auto it = in_flight_.find(blob.digest);
    if (it == in_flight_.end()) {
      in_flight_.emplace(blob.digest, InFlight{dst_repo, mine.get_future().share()});
      break;
    }
    // The owner is running (entries are made by running callers), so waiting cannot deadlock.
    InFlight other = it->second;
    lock.Unlock();
    Status st = other.done.get();
    if (other.dst_repo == dst_repo) return st;
    lock.Lock();  // then copy it ourselves: a mount when the other copy succeeded
  }
  Status st = CopyOnce(src_repo, dst_repo, blob, stop);
  MutexLock lock(mu_);
  if (st.ok()) present_.emplace(blob.digest, dst_repo);
  mine.set_value(st);
  in_flight_.erase(blob.digest);
  return st;
}

std::string BlobCopier::MountSource(const std::string& src_repo, const std::string& dst_repo,
                                    const std::string& digest) {
  if (src_.origin() == dst_.origin() && src_repo != dst_repo) return src_repo;
  MutexLock lock(mu_);
  auto it = present_.find(digest);
  return it != present_.end() && it->second != dst_repo ? it->second : std::string();
}

Status BlobCopier::CopyOnce(const std::string& src_repo, const std::string& dst_repo,
                            const Descriptor& blob, std::stop_token stop) {
  auto exists = dst_.BlobExists(dst_repo, blob.digest, stop);
  if (!exists.ok()) return std::move(exists).take_error();
  if (*exists) {
    ++counters_.blobs_existing;
    return Status::OK();
  }
  auto upload = dst_.StartUpload(dst_repo, blob.digest, MountSource(src_repo, dst_repo, blob.digest),
                                 stop);
  if (!upload.ok()) return std::move(upload).take_error();
  if (upload->mounted) {
    ++counters_.blobs_mounted;
    return Status::OK();
  }
  Status st = Send(src_repo, dst_repo, blob, upload->location, stop);
  if (!st.ok()) {
    dst_.CancelUpload(dst_repo, upload->location);
    return st;
  }
  ++counters_.blobs_uploaded;
  counters_.bytes_uploaded += blob.size;
  if (counters_.bytes_uploaded_live != nullptr) *counters_.bytes_uploaded_live += blob.size;
  return Status::OK();
}

Status BlobCopier::Send(const std::string& src_repo, const std::string& dst_repo,
                        const Descriptor& blob, std::string location, std::stop_token stop) {
  auto mismatch = [&](const std::string& what) {
    return Status::DataLoss("blob " + blob.digest + " of " + src_repo + " at registry " +
                                src_.host() + ": " + what,
                            "the source registry's storage; the copy is retried")
        .WithSide(Side::kSource);
  };
  std::string buffer;
  if (blob.size <= chunk_size_) {
    buffer.reserve(blob.size);  // the size is known: no regrowth (and copies) while reading
    FERRY_RETURN_IF_ERROR(src_.ReadBlob(src_repo, blob.digest, 0, 0, buffer, stop));
    if (buffer.size() != blob.size) {
      return mismatch("read " + std::to_string(buffer.size()) + " bytes, the manifest says " +
                      std::to_string(blob.size));
    }
    if (DigestOf(buffer) != blob.digest) return mismatch("the bytes read have another digest");
    return dst_.FinishUpload(dst_repo, location, blob.digest, buffer, stop);
  }
  Sha256 hash;
  for (uint64_t offset = 0; offset < blob.size; offset += buffer.size()) {
    const uint64_t length = std::min(chunk_size_, blob.size - offset);
    FERRY_RETURN_IF_ERROR(src_.ReadBlob(src_repo, blob.digest, offset, length, buffer, stop));
    if (buffer.size() != length) {
      return mismatch("a read of " + std::to_string(length) + " bytes at " +
                      std::to_string(offset) + " returned " + std::to_string(buffer.size()) +
                      " (ranged reads unsupported?)");
    }
    hash.Update(buffer);
    auto next = dst_.AppendUpload(dst_repo, location, buffer, offset, stop);
    if (!next.ok()) return std::move(next).take_error();
    location = std::move(*next);
  }
  if (hash.FinishDigest() != blob.digest) return mismatch("the bytes read have another digest");
  return dst_.FinishUpload(dst_repo, location, blob.digest, {}, stop);
}

}  // namespace ferry::images
