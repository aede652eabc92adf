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
#include <thread>
#include <vector>

#include "core/byte_pipe.h"
#include "core/md5.h"
#include "core/task.h"
#include "engine/part_plan.h"
#include "unit/engine/unsupported_store.h"

namespace ferry::testing {

class S3LikeStore final : public UnsupportedStore {
 public:
  // `checks_md5`: Content-MD5 is verified (S3, SeaweedFS) or not (moto).
  explicit S3LikeStore(bool checks_md5 = true) : checks_md5_(checks_md5) {}
  ~S3LikeStore() override {
    for (auto& t : streams_) t.join();
  }

  // Streamed copies (ReadIntoAsync, PutFromAsync), each end on a thread of its own
  // as on two HTTP clients' loops; off by default.
  bool streams = false;
  int streamed_writes = 0, puts = 0;  // writes seen
  int streamed_reads = 0;
  // A streamed read fails after this many bytes (a connection reset mid-body).
  uint64_t fail_streamed_read_after = UINT64_MAX;

  // Stores `data` as if uploaded in parts of `part_sizes` (empty: one PUT).
  void Add(const std::string& key, const std::string& data,
           const std::vector<uint64_t>& part_sizes = {}) {
    Object o{data, {}, {}};
    if (part_sizes.empty()) {
      o.etag = Md5::Hex(Md5::Digest(data));
    } else {
      std::string digests;
      uint64_t offset = 0;
      for (uint64_t n : part_sizes) {
        digests += Md5::Digest(std::string_view(data).substr(offset, n));
        offset += n;
      }
      o.etag = engine::MultipartEtag(digests, static_cast<int>(part_sizes.size()));
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
  int MaxParts() const override { return max_parts; }
  int max_parts = 10000;  // fewer: a source's layout cannot be reproduced here

  int heads = 0;  // HEADs the engine asked for
  Task<Result<store::ObjectMeta>> HeadAsync(const std::string& key, std::stop_token stop) override {
    ++heads;
    co_return Head(key, stop);
  }

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
  bool CanStreamReads() const override { return streams; }
  bool CanStreamWrites() const override { return streams; }
  Task<Result<store::ObjectMeta>> ReadIntoAsync(const std::string& key,
                                                const std::string& if_match,
                                                std::shared_ptr<BytePipe> pipe,
                                                std::stop_token) override {
    ++streamed_reads;
    auto meta = Head(key, {});
    if (!meta.ok()) co_return meta;
    if (meta->etag != if_match) co_return Status(Code::kFailedPrecondition, "PreconditionFailed");
    std::string bytes = Bytes(key);
    if (on_read) on_read(key, 0, bytes);
    const uint64_t fail_after = fail_streamed_read_after;
    co_return co_await Callback<Result<store::ObjectMeta>>([&](auto done) {
      Spawn([pipe, bytes, meta, fail_after, done] {
        for (size_t at = 0; at < bytes.size();) {
          if (at >= fail_after) return done(Status::Unavailable("connection reset"));
          const std::string_view chunk = std::string_view(bytes).substr(at, 64 * 1024);
          const BytePipe::Verdict v = pipe->Write(chunk);
          if (v == BytePipe::Verdict::kClosed) return done(Status::Cancelled("reader left"));
          if (v == BytePipe::Verdict::kOk) at += chunk.size();
          if (v == BytePipe::Verdict::kPause) std::this_thread::yield();
        }
        done(meta);
      });
    });
  }
  // Arguments are copied before the first suspension: the caller's may be gone by then.
  Task<Result<std::string>> PutFromAsync(const std::string& key, std::shared_ptr<BytePipe> pipe,
                                         uint64_t size, const store::ObjectMeta& meta,
                                         const store::WriteSettings& settings,
                                         const std::string& content_md5,
                                         std::stop_token) override {
    ++streamed_writes;
    const std::string k = key, md5 = content_md5;
    const store::ObjectMeta m = meta;
    const store::WriteSettings w = settings;
    auto received = co_await Callback<Result<std::string>>([&](auto done) {
      Spawn([pipe, done] {
        std::string bytes, buf(16 * 1024, '\0');
        for (;;) {
          const BytePipe::ReadResult r = pipe->Read(buf.data(), buf.size());
          if (r.verdict == BytePipe::Verdict::kClosed) return done(Status::Cancelled("aborted"));
          if (r.verdict == BytePipe::Verdict::kPause) {
            std::this_thread::yield();
            continue;
          }
          if (r.bytes == 0) return done(bytes);
          bytes.append(buf, 0, r.bytes);
        }
      });
    });
    if (!received.ok()) co_return received;
    if (received->size() != size) co_return Status::DataLoss("IncompleteBody");
    co_return Write(k, *received, m, w, md5);
  }

  Result<std::string> Put(const std::string& key, std::string_view data,
                          const store::ObjectMeta& meta, const store::WriteSettings& settings,
                          const std::string& content_md5, std::stop_token) override {
    ++puts;
    return Write(key, std::string(data), meta, settings, content_md5);
  }
  Result<std::string> Write(const std::string& key, std::string bytes,
                            const store::ObjectMeta& meta, const store::WriteSettings&,
                            const std::string& content_md5) {
    if (on_write) on_write(0, bytes);
    const std::string digest = Md5::Digest(bytes);
    if (checks_md5_ && content_md5 != Md5::Base64(digest)) return BadDigest();
    std::lock_guard lock(mu_);
    objects_[key] = {bytes, Md5::Hex(digest), {}, meta.content.metadata};
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
    const std::string digest = Md5::Digest(bytes);
    if (checks_md5_ && content_md5 != Md5::Base64(digest)) return BadDigest();
    std::lock_guard lock(mu_);
    auto it = uploads_.find(upload_id);
    if (it == uploads_.end()) return NoSuchUpload();
    it->second.parts[n] = bytes;
    parts_sent.push_back(n);
    return Md5::Hex(digest);
  }
  Result<std::vector<store::PartEtag>> ListUploadedParts(const std::string&,
                                                         const std::string& upload_id,
                                                         std::stop_token) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(upload_id);
    if (it == uploads_.end()) return NoSuchUpload();
    std::vector<store::PartEtag> out;
    for (const auto& [n, bytes] : it->second.parts) {
      out.push_back({n, Md5::Hex(Md5::Digest(bytes)), bytes.size()});
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
      digests += Md5::Digest(bytes);
    }
    o.etag = engine::MultipartEtag(digests, static_cast<int>(parts.size()));
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

  void Spawn(std::function<void()> work) {
    std::lock_guard lock(mu_);
    streams_.emplace_back(std::move(work));
  }

  const bool checks_md5_;
  std::vector<std::thread> streams_;  // joined by the destructor
  std::mutex mu_;
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 0;
};

}  // namespace ferry::testing
