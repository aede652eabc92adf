#include "store/s3_store.h"

#include "core/time_format.h"

namespace ferry::store {
namespace {

constexpr uint64_t kMaxSinglePartCopy = uint64_t{5} << 30;

bool IsMd5Hex(const std::string& etag) {
  return etag.size() == 32 && etag.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

s3::WriteOptions ToWriteOptions(const ObjectMeta& m, const WriteSettings& s) {
  s3::WriteOptions o;
  o.content = m.content;
  o.storage_class = s.storage_class;
  o.acl = s.acl;
  o.sse = s.sse;
  o.sse_kms_key_id = s.sse_kms_key_id;
  o.tagging = s.tagging;
  return o;
}

ObjectEntry ToEntry(s3::ObjectSummary&& o, size_t root_size) {
  ObjectEntry e;
  e.key = o.key.substr(root_size);
  e.size = o.size;
  e.etag = std::move(o.etag);
  e.mtime_ms = ParseIso8601Ms(o.last_modified).value_or(0);
  e.storage_class = std::move(o.storage_class);
  return e;
}

ObjectMeta ToMeta(const s3::ObjectHead& head) {
  ObjectMeta m;
  m.size = head.size;
  m.etag = head.etag;
  m.mtime_ms = ParseHttpDateMs(head.last_modified).value_or(0);
  m.content = head.content;
  m.parts_count = head.parts_count;
  m.checksum_crc32c = head.checksum_crc32c;
  m.sse = head.sse;
  return m;
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
    for (auto& o : page->objects) entries.push_back(ToEntry(std::move(o), root_.size()));
    if (!entries.empty()) FERRY_RETURN_IF_ERROR(sink(std::move(entries)));
    if (!page->is_truncated) return Status::OK();
    request.continuation_token = page->next_continuation_token;
  }
}

Result<Level> S3Store::ListLevel(const std::string& prefix, size_t max_objects,
                                 std::stop_token stop) {
  s3::ListObjectsRequest request{.bucket = bucket_, .prefix = root_ + prefix, .delimiter = "/"};
  Level level;
  for (;;) {
    auto page = client_->ListObjectsV2(request, stop);
    if (!page.ok()) return std::move(page).take_error();
    for (auto& o : page->objects) level.objects.push_back(ToEntry(std::move(o), root_.size()));
    for (auto& p : page->common_prefixes) level.prefixes.push_back(p.substr(root_.size()));
    if (!page->is_truncated) return level;
    if (level.objects.size() > max_objects) {
      level.truncated = true;
      return level;
    }
    request.continuation_token = page->next_continuation_token;
  }
}

Result<ObjectMeta> S3Store::Head(const std::string& key, std::stop_token stop) {
  auto head = client_->HeadObject(bucket_, FullKey(key), /*part_number=*/0, stop);
  if (!head.ok()) return std::move(head).take_error();
  return ToMeta(*head);
}

Result<PartInfo> S3Store::HeadPart(const std::string& key, int part_number,
                                  std::stop_token stop) {
  // HEAD ?partNumber=N answers with part N's length and the number of parts.
  auto head = client_->HeadObject(bucket_, FullKey(key), part_number, stop);
  if (!head.ok()) return std::move(head).take_error();
  if (!head->parts_count.has_value()) return Status::NotSupported("part layout");
  return PartInfo{head->content_length, *head->parts_count};
}

Result<ObjectMeta> S3Store::Read(const std::string& key, uint64_t offset, uint64_t length,
                                 const ByteSink& sink, std::stop_token stop) {
  auto head = client_->GetObject(bucket_, FullKey(key), offset, length, sink, stop);
  if (!head.ok()) return std::move(head).take_error();
  return ToMeta(*head);
}

Result<std::string> S3Store::Put(const std::string& key, std::string_view data,
                                 const ObjectMeta& meta, const WriteSettings& settings,
                                 const std::string& content_md5, std::stop_token stop) {
  s3::WriteOptions options = ToWriteOptions(meta, settings);
  options.content_md5 = content_md5;
  return client_->PutObject(bucket_, FullKey(key), data, options, stop);
}

Result<std::string> S3Store::BeginMultipart(const std::string& key, const ObjectMeta& meta,
                                            const WriteSettings& settings, std::stop_token stop) {
  return client_->CreateMultipartUpload(bucket_, FullKey(key), ToWriteOptions(meta, settings),
                                        stop);
}

Result<std::string> S3Store::PutPart(const std::string& key, const std::string& upload_id,
                                     int part_number, uint64_t, std::string_view data,
                                     const std::string& content_md5, std::stop_token stop) {
  return client_->UploadPart(bucket_, FullKey(key), upload_id, part_number, data,
                             {.content_md5 = content_md5}, stop);
}

Result<std::string> S3Store::CompleteMultipart(const std::string& key,
                                               const std::string& upload_id,
                                               const std::vector<PartEtag>& parts,
                                               std::stop_token stop) {
  std::vector<s3::CompletedPart> completed;
  completed.reserve(parts.size());
  for (const auto& p : parts) completed.push_back({p.part_number, p.etag, ""});
  return client_->CompleteMultipartUpload(bucket_, FullKey(key), upload_id, completed, stop);
}

Status S3Store::AbortMultipart(const std::string& key, const std::string& upload_id,
                               std::stop_token stop) {
  Status st = client_->AbortMultipartUpload(bucket_, FullKey(key), upload_id, stop);
  return st.code() == Code::kNotFound ? Status::OK() : st;  // already gone is what we wanted
}

Result<std::vector<PartEtag>> S3Store::ListUploadedParts(const std::string& key,
                                                         const std::string& upload_id,
                                                         std::stop_token stop) {
  std::vector<PartEtag> parts;
  int marker = 0;
  for (;;) {
    auto page = client_->ListParts(bucket_, FullKey(key), upload_id, marker, stop);
    if (!page.ok()) return std::move(page).take_error();
    for (const auto& p : page->parts) parts.push_back({p.part_number, p.etag, p.size});
    if (!page->is_truncated) return parts;
    marker = page->next_part_number_marker;
  }
}

Result<std::string> S3Store::CopyFrom(ObjectStore& source, const std::string& src_key,
                                      const std::string& key, uint64_t size,
                                      const std::vector<uint64_t>& part_sizes,
                                      const WriteSettings& settings, std::stop_token stop) {
  auto* src = dynamic_cast<S3Store*>(&source);
  // Same client = same service and credentials: the only case a server-side copy works.
  if (src == nullptr || src->client_ != client_) return Status::NotSupported("server-side copy");
  const std::string from = src->root_ + src_key;
  if (part_sizes.empty()) {
    if (size > kMaxSinglePartCopy) return Status::NotSupported("server-side copy above 5 GiB");
    return client_->CopyObject(src->bucket_, from, bucket_, FullKey(key),
                               ToWriteOptions({}, settings), /*replace_metadata=*/false, stop);
  }
  auto meta = src->Head(src_key, stop);
  if (!meta.ok()) return std::move(meta).take_error();
  auto upload = BeginMultipart(key, *meta, settings, stop);
  if (!upload.ok()) return upload;
  std::vector<PartEtag> parts;
  uint64_t offset = 0;
  for (const uint64_t length : part_sizes) {
    const int number = static_cast<int>(parts.size()) + 1;
    auto etag = client_->UploadPartCopy(src->bucket_, from, offset, offset + length - 1, bucket_,
                                        FullKey(key), *upload, number, stop);
    // Amazon S3 answers the MD5 of the copied range; some services answer an ETag of
    // their own, which would give the object an ETag that proves nothing.
    if (etag.ok() && !IsMd5Hex(*etag)) {
      etag = Status::NotSupported("server-side copy keeping the part layout");
    }
    if (!etag.ok()) {
      (void)AbortMultipart(key, *upload, {});
      return etag;
    }
    parts.push_back({number, *etag});
    offset += length;
  }
  return CompleteMultipart(key, *upload, parts, stop);
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
  auto tags = client_->GetObjectTagging(bucket_, FullKey(key), stop);
  if (!tags.ok()) return std::move(tags).take_error();
  std::string encoded;
  for (const auto& tag : *tags) {
    if (!encoded.empty()) encoded += '&';
    encoded += net::UriEncode(tag.key, false) + "=" + net::UriEncode(tag.value, false);
  }
  return encoded;
}

}  // namespace ferry::store
