#include "store/s3_store.h"

#include "core/time_format.h"
#include "store/s3_conversions.h"

namespace ferry::store {
namespace {

// A listed key relative to the store's root. A service that lists a key outside
// the prefix it was asked for (a broken or hostile server) is an error, never a crash.
Result<std::string> Relative(const std::string& key, const std::string& root,
                             const std::string& bucket) {
  if (!key.starts_with(root)) {
    return Status(Code::kDataLoss,
                  "the service listed '" + key + "' for the prefix '" + root + "' of s3://" +
                      bucket + ", which does not start with it",
                  "the endpoint: it does not answer ListObjectsV2 as S3 does");
  }
  return key.substr(root.size());
}

Result<ObjectEntry> ToEntry(s3::ObjectSummary&& o, const std::string& root,
                            const std::string& bucket) {
  auto key = Relative(o.key, root, bucket);
  if (!key.ok()) return std::move(key).take_error();
  ObjectEntry e;
  e.key = std::move(*key);
  e.size = o.size;
  e.etag = std::move(o.etag);
  e.mtime_ms = ParseIso8601Ms(o.last_modified).value_or(0);
  e.storage_class = std::move(o.storage_class);
  return e;
}

// Moves a listing on to its next page. A service that answers "truncated" without
// a new token would be listed forever: that is an error, not a loop.
Status NextPage(s3::ListObjectsRequest& request, const std::string& token,
                const std::string& bucket, Side side) {
  if (token.empty() || token == request.continuation_token) {
    return Status(Code::kDataLoss,
                  "listing s3://" + bucket + "/" + request.prefix +
                      ": the service said the listing goes on but gave no new continuation token",
                  "the endpoint: it does not answer ListObjectsV2 as S3 does")
        .WithSide(side);
  }
  request.continuation_token = token;
  return Status::OK();
}

}  // namespace

S3Store::S3Store(std::shared_ptr<s3::S3Client> client, std::string bucket, std::string root_prefix)
    : client_(std::move(client)), bucket_(std::move(bucket)), root_(std::move(root_prefix)) {}

std::string S3Store::Describe() const {
  return "s3://" + bucket_ + "/" + root_ + " at " + client_->DescribeEndpoint();
}

Status S3Store::Probe(std::stop_token stop) {
  return client_->ListObjectsV2({.bucket = bucket_, .prefix = root_, .max_keys = 1}, stop).status();
}

Status S3Store::List(const ListRange& range, const PageSink& sink, std::stop_token stop) {
  s3::ListObjectsRequest request;
  request.bucket = bucket_;
  request.prefix = root_ + range.prefix;
  for (;;) {
    auto page = client_->ListObjectsV2(request, stop);
    if (!page.ok()) return std::move(page).take_error();
    std::vector<ObjectEntry> entries;
    entries.reserve(page->objects.size());
    for (auto& o : page->objects) {
      auto entry = ToEntry(std::move(o), root_, bucket_);
      if (!entry.ok()) return std::move(entry).take_error().WithSide(client_->config().side);
      entries.push_back(std::move(*entry));
    }
    if (!entries.empty()) FERRY_RETURN_IF_ERROR(sink(std::move(entries)));
    if (!page->is_truncated) return Status::OK();
    FERRY_RETURN_IF_ERROR(NextPage(request, page->next_continuation_token, bucket_, client_->config().side));
  }
}

Result<Level> S3Store::ListLevel(const std::string& prefix, size_t max_objects,
                                 std::stop_token stop) {
  s3::ListObjectsRequest request{.bucket = bucket_, .prefix = root_ + prefix, .delimiter = "/"};
  Level level;
  for (;;) {
    auto page = client_->ListObjectsV2(request, stop);
    if (!page.ok()) return std::move(page).take_error();
    for (auto& o : page->objects) {
      auto entry = ToEntry(std::move(o), root_, bucket_);
      if (!entry.ok()) return std::move(entry).take_error().WithSide(client_->config().side);
      level.objects.push_back(std::move(*entry));
    }
    for (auto& p : page->common_prefixes) {
      auto relative = Relative(p, root_, bucket_);
      if (!relative.ok()) return std::move(relative).take_error().WithSide(client_->config().side);
      level.prefixes.push_back(std::move(*relative));
    }
    if (!page->is_truncated) return level;
    if (level.objects.size() > max_objects) {
      level.truncated = true;
      return level;
    }
    FERRY_RETURN_IF_ERROR(NextPage(request, page->next_continuation_token, bucket_, client_->config().side));
  }
}

// The blocking forms, for one-off calls and tests: the asynchronous ones waited for.

Result<ObjectMeta> S3Store::Head(const std::string& key, std::stop_token stop) {
  return RunBlocking(HeadAsync(key, stop));
}

Result<PartInfo> S3Store::HeadPart(const std::string& key, int part_number,
                                  std::stop_token stop) {
  return RunBlocking(HeadPartAsync(key, part_number, stop));
}

Result<ObjectMeta> S3Store::Read(const std::string& key, uint64_t offset, uint64_t length,
                                 const ByteSink& sink, std::stop_token stop) {
  return RunBlocking(ReadAsync(key, offset, length, sink, stop));
}

Result<std::string> S3Store::Put(const std::string& key, std::string_view data,
                                 const ObjectMeta& meta, const WriteSettings& settings,
                                 const std::string& content_md5, std::stop_token stop) {
  return RunBlocking(PutAsync(key, data, meta, settings, content_md5, stop));
}

Result<std::string> S3Store::BeginMultipart(const std::string& key, const ObjectMeta& meta,
                                            const WriteSettings& settings, std::stop_token stop) {
  return RunBlocking(BeginMultipartAsync(key, meta, settings, stop));
}

Result<std::string> S3Store::PutPart(const std::string& key, const std::string& upload_id,
                                     int part_number, uint64_t offset, std::string_view data,
                                     const std::string& content_md5, std::stop_token stop) {
  return RunBlocking(PutPartAsync(key, upload_id, part_number, offset, data, content_md5, stop));
}

Result<std::string> S3Store::CompleteMultipart(const std::string& key,
                                               const std::string& upload_id,
                                               const std::vector<PartEtag>& parts,
                                               std::stop_token stop) {
  return RunBlocking(CompleteMultipartAsync(key, upload_id, parts, stop));
}

Status S3Store::AbortMultipart(const std::string& key, const std::string& upload_id,
                               std::stop_token stop) {
  return RunBlocking(AbortMultipartAsync(key, upload_id, stop));
}

Result<std::vector<PartEtag>> S3Store::ListUploadedParts(const std::string& key,
                                                         const std::string& upload_id,
                                                         std::stop_token stop) {
  return RunBlocking(ListUploadedPartsAsync(key, upload_id, stop));
}

Result<std::string> S3Store::CopyFrom(ObjectStore& source, const std::string& src_key,
                                      const std::string& key, uint64_t size,
                                      const std::vector<uint64_t>& part_sizes,
                                      const WriteSettings& settings, std::stop_token stop) {
  return RunBlocking(CopyFromAsync(source, src_key, key, size, part_sizes, settings, stop));
}

Status S3Store::Delete(const std::vector<std::string>& keys, std::stop_token stop) {
  for (size_t begin = 0; begin < keys.size(); begin += 1000) {
    std::vector<std::string> batch;
    for (size_t i = begin; i < std::min(keys.size(), begin + 1000); ++i) {
      batch.push_back(FullKey(keys[i]));
    }
    auto result = client_->DeleteObjects(bucket_, batch, stop);
    if (!result.ok()) return std::move(result).take_error();
    if (!result->errors.empty()) {
      const auto& [key, why] = result->errors.front();
      return Status::Unavailable("deleting s3://" + bucket_ + "/" + key + " failed: " + why)
          .WithSide(client_->config().side);
    }
  }
  return Status::OK();
}

Result<std::string> S3Store::GetTagging(const std::string& key, std::stop_token stop) {
  return RunBlocking(GetTaggingAsync(key, stop));
}

}  // namespace ferry::store
