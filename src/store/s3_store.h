// ObjectStore on an S3 bucket and prefix.
#pragma once

#include <memory>
#include <string>

#include "s3/s3_client.h"
#include "store/object_store.h"

namespace ferry::store {

class S3Store final : public ObjectStore {
 public:
  // `root_prefix` is "" or ends with '/'. Stores built on the same client can copy
  // between each other server-side.
  S3Store(std::shared_ptr<s3::S3Client> client, std::string bucket, std::string root_prefix);

  std::string Describe() const override;
  Status Probe(std::stop_token stop) override;
  Status List(const ListRange& range, const PageSink& sink, std::stop_token stop) override;
  Result<Level> ListLevel(const std::string& prefix, size_t max_objects,
                          std::stop_token stop) override;
  Result<ObjectMeta> Head(const std::string& key, std::stop_token stop) override;
  Result<PartInfo> HeadPart(const std::string& key, int part_number,
                            std::stop_token stop) override;
  Result<ObjectMeta> Read(const std::string& key, uint64_t offset, uint64_t length,
                          const ByteSink& sink, std::stop_token stop) override;
  Result<std::string> Put(const std::string& key, std::string_view data, const ObjectMeta& meta,
                          const WriteSettings& settings, const std::string& content_md5,
                          std::stop_token stop) override;
  Result<std::string> BeginMultipart(const std::string& key, const ObjectMeta& meta,
                                     const WriteSettings& settings, std::stop_token stop) override;
  Result<std::string> PutPart(const std::string& key, const std::string& upload_id,
                              int part_number, uint64_t offset, std::string_view data,
                              const std::string& content_md5, std::stop_token stop) override;
  Result<std::string> CompleteMultipart(const std::string& key, const std::string& upload_id,
                                        const std::vector<PartEtag>& parts,
                                        std::stop_token stop) override;
  Status AbortMultipart(const std::string& key, const std::string& upload_id,
                        std::stop_token stop) override;
  Result<std::vector<OpenUpload>> ListOpenUploads(const std::string& key,
                                                  std::stop_token stop) override;
  Result<std::vector<PartEtag>> ListUploadedParts(const std::string& key,
                                                  const std::string& upload_id,
                                                  std::stop_token stop) override;
  Result<std::string> CopyFrom(ObjectStore& source, const std::string& src_key,
                               const std::string& key, uint64_t size,
                               const std::vector<uint64_t>& part_sizes,
                               const WriteSettings& settings, std::stop_token stop) override;
  Status Delete(const std::vector<std::string>& keys, std::stop_token stop) override;

  Task<Result<ObjectMeta>> HeadAsync(const std::string& key, std::stop_token stop) override;
  Task<Result<PartInfo>> HeadPartAsync(const std::string& key, int part_number,
                                       std::stop_token stop) override;
  Task<Result<ObjectMeta>> ReadAsync(const std::string& key, uint64_t offset, uint64_t length,
                                     ByteSink sink, std::stop_token stop) override;
  Task<Result<std::string>> PutAsync(const std::string& key, std::string_view data,
                                     const ObjectMeta& meta, const WriteSettings& settings,
                                     const std::string& content_md5,
                                     std::stop_token stop) override;
  Task<Result<std::string>> BeginMultipartAsync(const std::string& key, const ObjectMeta& meta,
                                                const WriteSettings& settings,
                                                std::stop_token stop) override;
  Task<Result<std::string>> PutPartAsync(const std::string& key, const std::string& upload_id,
                                         int part_number, uint64_t offset, std::string_view data,
                                         const std::string& content_md5,
                                         std::stop_token stop) override;
  Task<Result<std::string>> CompleteMultipartAsync(const std::string& key,
                                                   const std::string& upload_id,
                                                   const std::vector<PartEtag>& parts,
                                                   std::stop_token stop) override;
  Task<Status> AbortMultipartAsync(const std::string& key, const std::string& upload_id,
                                   std::stop_token stop) override;
  Task<Result<std::vector<PartEtag>>> ListUploadedPartsAsync(const std::string& key,
                                                             const std::string& upload_id,
                                                             std::stop_token stop) override;
  Task<Result<std::string>> CopyFromAsync(ObjectStore& source, const std::string& src_key,
                                          const std::string& key, uint64_t size,
                                          const std::vector<uint64_t>& part_sizes,
                                          const WriteSettings& settings,
                                          std::stop_token stop) override;
  bool CanStreamReads() const override { return true; }
  bool CanStreamWrites() const override { return true; }
  Task<Result<ObjectMeta>> ReadIntoAsync(const std::string& key, const std::string& if_match,
                                         std::shared_ptr<BytePipe> pipe,
                                         std::stop_token stop) override;
  Task<Result<std::string>> PutFromAsync(const std::string& key, std::shared_ptr<BytePipe> pipe,
                                         uint64_t size, const ObjectMeta& meta,
                                         const WriteSettings& settings,
                                         const std::string& content_md5,
                                         std::stop_token stop) override;
  Task<Result<std::string>> GetTaggingAsync(const std::string& key,
                                            std::stop_token stop) override;
  Result<std::string> GetTagging(const std::string& key, std::stop_token stop) override;
  bool HasMd5Etags() const override { return true; }
  // The client's counts: stores that share a client (one service, one set of keys) share them.
  std::map<std::string, uint64_t> RequestCounts() const override {
    return client_->RequestCounts();
  }

  const std::string& bucket() const { return bucket_; }

 private:
  std::string FullKey(const std::string& key) const { return root_ + key; }

  std::shared_ptr<s3::S3Client> client_;
  std::string bucket_;
  std::string root_;
};

}  // namespace ferry::store
