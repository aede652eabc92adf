// S3Store's asynchronous operations: each suspends its caller until the S3
// client's completion arrives on the HTTP loop's thread.
#include "store/s3_store.h"
#include "store/s3_conversions.h"

namespace ferry::store {
namespace {

// Awaits an S3Client call that completes through a Done<T>.
template <typename T>
using Await = Callback<Result<T>>;

}  // namespace

Task<Result<ObjectMeta>> S3Store::HeadAsync(const std::string& key, std::stop_token stop) {
  auto head = co_await Await<s3::ObjectHead>([&](s3::Done<s3::ObjectHead> done) {
    client_->HeadObjectAsync(bucket_, FullKey(key), 0, std::move(done), stop);
  });
  if (!head.ok()) co_return std::move(head).take_error();
  co_return ToMeta(*head);
}

Task<Result<PartInfo>> S3Store::HeadPartAsync(const std::string& key, int part_number,
                                              std::stop_token stop) {
  auto head = co_await Await<s3::ObjectHead>([&](s3::Done<s3::ObjectHead> done) {
    client_->HeadObjectAsync(bucket_, FullKey(key), part_number, std::move(done), stop);
  });
  if (!head.ok()) co_return std::move(head).take_error();
  if (!head->parts_count.has_value()) co_return Status::NotSupported("part layout");
  co_return PartInfo{head->content_length, *head->parts_count};
}

Task<Result<ObjectMeta>> S3Store::ReadAsync(const std::string& key, uint64_t offset,
                                            uint64_t length, ByteSink sink,
                                            std::stop_token stop) {
  auto head = co_await Await<s3::ObjectHead>([&](s3::Done<s3::ObjectHead> done) {
    client_->GetObjectAsync(bucket_, FullKey(key), offset, length, sink, std::move(done), stop);
  });
  if (!head.ok()) co_return std::move(head).take_error();
  co_return ToMeta(*head);
}

Task<Result<std::string>> S3Store::PutAsync(const std::string& key, std::string_view data,
                                            const ObjectMeta& meta, const WriteSettings& settings,
                                            const std::string& content_md5,
                                            std::stop_token stop) {
  s3::WriteOptions options = ToWriteOptions(meta, settings);
  options.content_md5 = content_md5;
  co_return co_await Await<std::string>([&](s3::Done<std::string> done) {
    client_->PutObjectAsync(bucket_, FullKey(key), data, options, std::move(done), stop);
  });
}

Task<Result<ObjectMeta>> S3Store::ReadIntoAsync(const std::string& key,
                                                const std::string& if_match,
                                                std::shared_ptr<BytePipe> pipe,
                                                std::stop_token stop) {
  auto head = co_await Await<s3::ObjectHead>([&](s3::Done<s3::ObjectHead> done) {
    client_->GetObjectIntoAsync(bucket_, FullKey(key), if_match, pipe, std::move(done), stop);
  });
  if (!head.ok()) co_return std::move(head).take_error();
  co_return ToMeta(*head);
}

Task<Result<std::string>> S3Store::PutFromAsync(const std::string& key,
                                                std::shared_ptr<BytePipe> pipe, uint64_t size,
                                                const ObjectMeta& meta,
                                                const WriteSettings& settings,
                                                const std::string& content_md5,
                                                std::stop_token stop) {
  s3::WriteOptions options = ToWriteOptions(meta, settings);
  options.content_md5 = content_md5;
  co_return co_await Await<std::string>([&](s3::Done<std::string> done) {
    client_->PutObjectFromAsync(bucket_, FullKey(key), pipe, size, options, std::move(done),
                                stop);
  });
}

Task<Result<std::string>> S3Store::BeginMultipartAsync(const std::string& key,
                                                       const ObjectMeta& meta,
                                                       const WriteSettings& settings,
                                                       std::stop_token stop) {
  co_return co_await Await<std::string>([&](s3::Done<std::string> done) {
    client_->CreateMultipartUploadAsync(bucket_, FullKey(key), ToWriteOptions(meta, settings),
                                        std::move(done), stop);
  });
}

Task<Result<std::string>> S3Store::PutPartAsync(const std::string& key,
                                                const std::string& upload_id, int part_number,
                                                uint64_t, std::string_view data,
                                                const std::string& content_md5,
                                                std::stop_token stop) {
  co_return co_await Await<std::string>([&](s3::Done<std::string> done) {
    client_->UploadPartAsync(bucket_, FullKey(key), upload_id, part_number, data,
                             {.content_md5 = content_md5}, std::move(done), stop);
  });
}

Task<Result<std::string>> S3Store::CompleteMultipartAsync(const std::string& key,
                                                          const std::string& upload_id,
                                                          const std::vector<PartEtag>& parts,
                                                          std::stop_token stop) {
  std::vector<s3::CompletedPart> completed;
  completed.reserve(parts.size());
  for (const auto& p : parts) completed.push_back({p.part_number, p.etag, ""});
  co_return co_await Await<std::string>([&](s3::Done<std::string> done) {
    client_->CompleteMultipartUploadAsync(bucket_, FullKey(key), upload_id, completed,
                                          std::move(done), stop);
  });
}

Task<Status> S3Store::AbortMultipartAsync(const std::string& key, const std::string& upload_id,
                                          std::stop_token stop) {
  auto aborted = co_await Await<bool>([&](s3::Done<bool> done) {
    client_->AbortMultipartUploadAsync(bucket_, FullKey(key), upload_id, std::move(done), stop);
  });
  // Already gone is what we wanted.
  if (!aborted.ok() && aborted.error().code() != Code::kNotFound) co_return aborted.error();
  co_return Status::OK();
}

Task<Result<std::vector<PartEtag>>> S3Store::ListUploadedPartsAsync(const std::string& key,
                                                                    const std::string& upload_id,
                                                                    std::stop_token stop) {
  std::vector<PartEtag> parts;
  int marker = 0;
  for (;;) {
    auto page = co_await Await<s3::ListPartsPage>([&](s3::Done<s3::ListPartsPage> done) {
      client_->ListPartsAsync(bucket_, FullKey(key), upload_id, marker, std::move(done), stop);
    });
    if (!page.ok()) co_return std::move(page).take_error();
    for (const auto& p : page->parts) parts.push_back({p.part_number, p.etag, p.size});
    if (!page->is_truncated) co_return parts;
    marker = page->next_part_number_marker;
  }
}

Task<Result<std::string>> S3Store::CopyFromAsync(ObjectStore& source, const std::string& src_key,
                                                 const std::string& key, uint64_t size,
                                                 const std::vector<uint64_t>& part_sizes,
                                                 const WriteSettings& settings,
                                                 std::stop_token stop) {
  auto* src = dynamic_cast<S3Store*>(&source);
  // Same client = same service and credentials: the only case a server-side copy works.
  if (src == nullptr || src->client_ != client_) {
    co_return Status::NotSupported("server-side copy");
  }
  const std::string from = src->root_ + src_key;
  if (part_sizes.empty()) {
    if (size > kMaxSinglePartCopy) co_return Status::NotSupported("server-side copy above 5 GiB");
    co_return co_await Await<std::string>([&](s3::Done<std::string> done) {
      client_->CopyObjectAsync(src->bucket_, from, bucket_, FullKey(key),
                               ToWriteOptions({}, settings), /*replace_metadata=*/false,
                               std::move(done), stop);
    });
  }
  auto meta = co_await src->HeadAsync(src_key, stop);
  if (!meta.ok()) co_return std::move(meta).take_error();
  auto upload = co_await BeginMultipartAsync(key, *meta, settings, stop);
  if (!upload.ok()) co_return upload;
  std::vector<PartEtag> parts;
  uint64_t offset = 0;
  for (const uint64_t length : part_sizes) {
    const int number = static_cast<int>(parts.size()) + 1;
    auto etag = co_await Await<std::string>([&](s3::Done<std::string> done) {
      client_->UploadPartCopyAsync(src->bucket_, from, offset, offset + length - 1, bucket_,
                                   FullKey(key), *upload, number, std::move(done), stop);
    });
    // Amazon S3 answers the MD5 of the copied range; some services answer an ETag of
    // their own, which would give the object an ETag that proves nothing.
    if (etag.ok() && !IsMd5Hex(*etag)) {
      etag = Status::NotSupported("server-side copy keeping the part layout");
    }
    if (!etag.ok()) {
      (void)co_await AbortMultipartAsync(key, *upload, {});
      co_return etag;
    }
    parts.push_back({number, *etag});
    offset += length;
  }
  co_return co_await CompleteMultipartAsync(key, *upload, parts, stop);
}

Task<Result<std::string>> S3Store::GetTaggingAsync(const std::string& key, std::stop_token stop) {
  auto tags = co_await Await<std::vector<s3::Tag>>([&](s3::Done<std::vector<s3::Tag>> done) {
    client_->GetObjectTaggingAsync(bucket_, FullKey(key), std::move(done), stop);
  });
  if (!tags.ok()) co_return std::move(tags).take_error();
  co_return EncodeTags(*tags);
}

}  // namespace ferry::store
