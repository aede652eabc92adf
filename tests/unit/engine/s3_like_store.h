// An in-memory store that behaves like S3 where the engine's proofs depend on
// it: MD5 ETags (multipart: MD5 of the parts' MD5s, "-N"), HEAD ?partNumber=N,
// uploads listed with ListParts. Hooks damage bytes in transit, so unit tests can
// show that no corruption passes. Engine unit tests only; real servers run the
// integration suites.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "s3/checksum.h"
#include "unit/engine/unsupported_store.h"

namespace ferry::testing {

class S3LikeStore final : public UnsupportedStore {
 public:
  // `checks_md5`: Content-MD5 is verified (S3, SeaweedFS) or not (moto).
  explicit S3LikeStore(bool checks_md5 = true) : checks_md5_(checks_md5) {}

  // Stores `data` as if uploaded in parts of `part_sizes` (empty: one PUT).
  void Add(const std::string& key, const std::string& data,
           const std::vector<uint64_t>& part_sizes = {}) {
    Object o{data, {}, {}};
    if (part_sizes.empty()) {
      o.etag = s3::Md5::Hex(s3::Md5::Digest(data));
    } else {
      std::string digests;
      uint64_t offset = 0;
      for (uint64_t n : part_sizes) {
        digests += s3::Md5::Digest(std::string_view(data).substr(offset, n));
        offset += n;
      }
      o.etag = s3::MultipartEtag(digests, static_cast<int>(part_sizes.size()));
      o.parts = part_sizes;
    }
    std::lock_guard lock(mu_);
    objects_[key] = std::move(o);
  }
  std::string Bytes(const std::string& key) {
    std::lock_guard lock(mu_);
    return objects_.count(key) ? objects_[key].data : "";
  }
  std::string Etag(const std::string& key) {
    std::lock_guard lock(mu_);
    return objects_.count(key) ? objects_[key].etag : "";
  }
  store::ObjectEntry Entry(const std::string& key) {
    std::lock_guard lock(mu_);
    const Object& o = objects_.at(key);
    return {key, o.data.size(), o.etag, 0, ""};
  }
  size_t open_uploads() {
    std::lock_guard lock(mu_);
    return uploads_.size();
  }
  // Part numbers uploaded (each PutPart), in order.
  std::vector<int> parts_sent;

  // Damage hooks: may change the bytes of a read (source side) or of a part
  // or object written (destination side) before the store sees them.
  std::function<void(const std::string& key, uint64_t offset, std::string& bytes)> on_read;
  std::function<void(int part_number, std::string& bytes)> on_write;

  bool HasMd5Etags() const override { return true; }
  uint64_t MinPartSize() const override { return 1; }  // small objects in unit tests

  Result<store::ObjectMeta> Head(const std::string& key, std::stop_token) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound("NoSuchKey");
    store::ObjectMeta meta;
    meta.size = it->second.data.size();
    meta.etag = it->second.etag;
    meta.content.metadata = it->second.metadata;
    return meta;
  }
  Result<store::PartInfo> HeadPart(const std::string& key, int n, std::stop_token) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound("NoSuchKey");
    const auto& parts = it->second.parts;
    if (parts.empty()) return store::PartInfo{it->second.data.size(), 1};
    if (n < 1 || n > static_cast<int>(parts.size())) return Status::InvalidArgument("InvalidPart");
    return store::PartInfo{parts[static_cast<size_t>(n - 1)], static_cast<int>(parts.size())};
  }
  Result<store::ObjectMeta> Read(const std::string& key, uint64_t offset, uint64_t length,
                                 const store::ByteSink& sink, std::stop_token stop) override {
    auto meta = Head(key, stop);
    if (!meta.ok()) return meta;
    std::string bytes = Bytes(key).substr(offset, length == 0 ? std::string::npos : length);
    if (on_read) on_read(key, offset, bytes);
    sink(bytes);
    return meta;
  }
  Result<std::string> Put(const std::string& key, std::string_view data,
                          const store::ObjectMeta& meta, const store::WriteSettings&,
                          const std::string& content_md5, std::stop_token) override {
    std::string bytes(data);
    if (on_write) on_write(0, bytes);
    const std::string digest = s3::Md5::Digest(bytes);
    if (checks_md5_ && content_md5 != s3::Md5::Base64(digest)) return BadDigest();
    std::lock_guard lock(mu_);
    objects_[key] = {bytes, s3::Md5::Hex(digest), {}, meta.content.metadata};
    return objects_[key].etag;
  }
  Result<std::string> BeginMultipart(const std::string& key, const store::ObjectMeta& meta,
                                     const store::WriteSettings&, std::stop_token) override {
    std::lock_guard lock(mu_);
    const std::string id = "upload-" + std::to_string(++next_upload_);
    uploads_[id] = {key, meta.content.metadata, {}};
    return id;
  }
  Result<std::string> PutPart(const std::string&, const std::string& upload_id, int n, uint64_t,
                              std::string_view data, const std::string& content_md5,
                              std::stop_token) override {
    std::string bytes(data);
    if (on_write) on_write(n, bytes);
    const std::string digest = s3::Md5::Digest(bytes);
    if (checks_md5_ && content_md5 != s3::Md5::Base64(digest)) return BadDigest();
    std::lock_guard lock(mu_);
    auto it = uploads_.find(upload_id);
    if (it == uploads_.end()) return NoSuchUpload();
    it->second.parts[n] = bytes;
    parts_sent.push_back(n);
    return s3::Md5::Hex(digest);
  }
  Result<std::vector<store::PartEtag>> ListUploadedParts(const std::string&,
                                                         const std::string& upload_id,
                                                         std::stop_token) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(upload_id);
    if (it == uploads_.end()) return NoSuchUpload();
    std::vector<store::PartEtag> out;
    for (const auto& [n, bytes] : it->second.parts) {
      out.push_back({n, s3::Md5::Hex(s3::Md5::Digest(bytes)), bytes.size()});
    }
    return out;
  }
  Result<std::string> CompleteMultipart(const std::string&, const std::string& upload_id,
                                        const std::vector<store::PartEtag>& parts,
                                        std::stop_token) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(upload_id);
    if (it == uploads_.end()) return NoSuchUpload();
    Object o;
    std::string digests;
    for (const auto& p : parts) {
      const std::string& bytes = it->second.parts.at(p.part_number);
      o.data += bytes;
      o.parts.push_back(bytes.size());
      digests += s3::Md5::Digest(bytes);
    }
    o.etag = s3::MultipartEtag(digests, static_cast<int>(parts.size()));
    o.metadata = it->second.metadata;
    objects_[it->second.key] = o;
    uploads_.erase(it);
    return o.etag;
  }
  Status AbortMultipart(const std::string&, const std::string& upload_id,
                        std::stop_token) override {
    std::lock_guard lock(mu_);
    uploads_.erase(upload_id);
    return Status::OK();
  }
  std::map<std::string, std::string> Metadata(const std::string& key) {
    std::lock_guard lock(mu_);
    return objects_.at(key).metadata;
  }

 private:
  struct Object {
    std::string data;
    std::string etag;
    std::vector<uint64_t> parts;  // empty: one PUT
    std::map<std::string, std::string> metadata;
  };
  struct Upload {
    std::string key;
    std::map<std::string, std::string> metadata;
    std::map<int, std::string> parts;
  };
  static Status BadDigest() { return Status::DataLoss("BadDigest").WithServiceCode("BadDigest", 400); }
  static Status NoSuchUpload() {
    return Status::NotFound("NoSuchUpload").WithServiceCode("NoSuchUpload", 404);
  }

  const bool checks_md5_;
  std::mutex mu_;
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 0;
};

}  // namespace ferry::testing
