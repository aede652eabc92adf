// ObjectStore: where bytes live, apart from what the engine does with them
// (rclone's fs.Fs, DuckDB's FileSystem). One implementation per backend
// (S3, local folder), chosen in one place (open_store.cc).
//
// Keys are relative to the store's root (bucket + prefix, or a folder) and are
// raw bytes. Listings come in the service's order: byte order on Amazon S3 and
// most S3 services, folder-first on file-backed ones (SeaweedFS). The engine's
// ListingCursor turns either into byte order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_pipe.h"
#include "core/status.h"
#include "core/task.h"
#include "store/content_headers.h"

namespace ferry::store {

struct ObjectEntry {
  std::string key;
  uint64_t size = 0;
  std::string etag;          // S3 ETag without quotes; empty where the backend has none
  int64_t mtime_ms = 0;      // last modification, ms since the epoch
  std::string storage_class;
  // The source ETag ferry recorded when it wrote this copy, where a listing can
  // tell it (a folder's extended attribute), while the copy is unchanged since.
  std::string recorded_etag;
};

// The user metadata key under which a copy whose own ETag cannot equal its
// source's records the source's (x-amz-meta-ferry-source-etag on S3).
inline constexpr const char* kSourceEtagMetadata = "ferry-source-etag";

// Everything of an object besides its bytes that ferry copies.
struct ObjectMeta {
  uint64_t size = 0;
  std::string etag;
  int64_t mtime_ms = 0;
  ContentHeaders content;          // Content-Type, ..., x-amz-meta-*
  std::optional<int> parts_count;           // multipart objects: number of parts
  std::string checksum_crc32c;
  std::string sse;  // server-side encryption as reported; with aws:kms the ETag is no MD5
};

// How a write is stored (beyond the object's own metadata).
struct WriteSettings {
  std::string storage_class;
  std::string acl;
  std::string sse;
  std::string sse_kms_key_id;
  std::string tagging;  // "k=v&k2=v2", URL-encoded
};

struct ListRange {
  std::string prefix;  // relative to the root
};

// One level of the hierarchy under a prefix, split at '/'.
struct Level {
  std::vector<ObjectEntry> objects;
  std::vector<std::string> prefixes;  // each ends with '/'
  bool truncated = false;             // stopped early at max_objects
};

using PageSink = std::function<Status(std::vector<ObjectEntry>&& page)>;
using ByteSink = std::function<bool(std::string_view chunk)>;

// One part of a multipart object, as HEAD ?partNumber=N reports it.
struct PartInfo {
  uint64_t size = 0;  // this part's length
  int parts = 0;      // the object's part count
};

// A multipart upload in progress, as the service lists it.
struct OpenUpload {
  std::string upload_id;
  int64_t initiated_unix = 0;  // 0 when the service did not say
};

struct PartEtag {
  int part_number = 0;
  std::string etag;
  uint64_t size = 0;  // as listed by ListUploadedParts; unused by CompleteMultipart
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "s3://bucket/prefix at http://host:port" or "/path/to/folder": for messages.
  virtual std::string Describe() const = 0;
  // Checks that the root exists and can be listed: a missing bucket is an error
  // here, before any work starts.
  virtual Status Probe(std::stop_token stop) = 0;
  // Makes the root ready to receive objects, then probes it. A bucket must already
  // exist (creating one is the user's choice of region and policy); a folder is created.
  virtual Status PrepareDestination(std::stop_token stop) { return Probe(stop); }
  // Probes the root as the destination of a check or a dry run: what a real run
  // would create (a folder not made yet) is an empty destination, not an error.
  virtual Status ProbeDestination(std::stop_token stop) { return Probe(stop); }

  // Every object in `range` once, in pages, in the service's order. Stops at the
  // first non-OK sink result.
  virtual Status List(const ListRange& range, const PageSink& sink, std::stop_token stop) = 0;
  // One '/'-level under `prefix`; stops (truncated) once it holds more than
  // max_objects objects, so a flat bucket never lands in memory whole.
  virtual Result<Level> ListLevel(const std::string& prefix, size_t max_objects,
                                  std::stop_token stop) = 0;

  virtual Result<ObjectMeta> Head(const std::string& key, std::stop_token stop) = 0;
  // Part `part_number` (from 1) of a multipart object, so a copy can learn and
  // reproduce its layout (and with it its ETag). NotSupported where a store cannot tell.
  virtual Result<PartInfo> HeadPart(const std::string& key, int part_number,
                                    std::stop_token stop) {
    (void)key, (void)part_number, (void)stop;
    return Status::NotSupported("part layout");
  }
  // Bytes [offset, offset + length) into `sink`; length 0 = to the end. Returns
  // the object's metadata as the read saw it (a GET carries all of HEAD).
  virtual Result<ObjectMeta> Read(const std::string& key, uint64_t offset, uint64_t length,
                      const ByteSink& sink, std::stop_token stop) = 0;
  // Writes a whole object; content_md5 (base64) is verified by the backend.
  virtual Result<std::string> Put(const std::string& key, std::string_view data,
                                  const ObjectMeta& meta, const WriteSettings& settings,
                                  const std::string& content_md5, std::stop_token stop) = 0;

  // Multipart writes. Parts may arrive in any order and in parallel.
  virtual Result<std::string> BeginMultipart(const std::string& key, const ObjectMeta& meta,
                                             const WriteSettings& settings,
                                             std::stop_token stop) = 0;
  // `offset` is where the part starts in the object (backends that write files need it).
  virtual Result<std::string> PutPart(const std::string& key, const std::string& upload_id,
                                      int part_number, uint64_t offset, std::string_view data,
                                      const std::string& content_md5, std::stop_token stop) = 0;
  virtual Result<std::string> CompleteMultipart(const std::string& key,
                                                const std::string& upload_id,
                                                const std::vector<PartEtag>& parts,
                                                std::stop_token stop) = 0;
  virtual Status AbortMultipart(const std::string& key, const std::string& upload_id,
                                std::stop_token stop) = 0;
  // Parts already stored for an upload, to resume it; NotFound if it is gone.
  virtual Result<std::vector<PartEtag>> ListUploadedParts(const std::string& key,
                                                          const std::string& upload_id,
                                                          std::stop_token stop) = 0;

  // The multipart uploads in progress for exactly `key` (not keys it prefixes),
  // to find uploads whose creation was never answered. NotSupported where a
  // store has none to list.
  virtual Result<std::vector<OpenUpload>> ListOpenUploads(const std::string& key,
                                                          std::stop_token stop) {
    (void)key, (void)stop;
    return Status::NotSupported("listing multipart uploads");
  }

  // Server-side copy of `size` bytes from `source`, keeping the source's metadata,
  // when both are reachable by one service: in one request, or, given `part_sizes`,
  // in parts of exactly those sizes (so a multipart source keeps its ETag). Returns
  // the new ETag, or NotSupported when not possible (the engine then streams the
  // bytes), also when the service's part ETags are not the MD5 of the part.
  virtual Result<std::string> CopyFrom(ObjectStore& source, const std::string& src_key,
                                       const std::string& key, uint64_t size,
                                       const std::vector<uint64_t>& part_sizes,
                                       const WriteSettings& settings, std::stop_token stop) {
    (void)source, (void)src_key, (void)key, (void)size, (void)part_sizes, (void)settings,
        (void)stop;
    return Status::NotSupported("server-side copy");
  }

  virtual Status Delete(const std::vector<std::string>& keys, std::stop_token stop) = 0;

  // ---- The same operations for the engine's pipeline: they suspend the caller
  // instead of blocking a thread. By default they run the blocking form on the
  // calling thread (right for the fakes of unit tests); S3 completes on the HTTP
  // loop, a folder on its own I/O threads. Arguments are referenced, not copied:
  // await the task in the expression that makes it. Buffers must outlive it.
  virtual Task<Result<ObjectMeta>> HeadAsync(const std::string& key, std::stop_token stop) {
    co_return Head(key, stop);
  }
  virtual Task<Result<PartInfo>> HeadPartAsync(const std::string& key, int part_number,
                                               std::stop_token stop) {
    co_return HeadPart(key, part_number, stop);
  }
  virtual Task<Result<ObjectMeta>> ReadAsync(const std::string& key, uint64_t offset,
                                             uint64_t length, ByteSink sink,
                                             std::stop_token stop) {
    co_return Read(key, offset, length, sink, stop);
  }
  virtual Task<Result<std::string>> PutAsync(const std::string& key, std::string_view data,
                                             const ObjectMeta& meta, const WriteSettings& settings,
                                             const std::string& content_md5,
                                             std::stop_token stop) {
    co_return Put(key, data, meta, settings, content_md5, stop);
  }
  virtual Task<Result<std::string>> BeginMultipartAsync(const std::string& key,
                                                        const ObjectMeta& meta,
                                                        const WriteSettings& settings,
                                                        std::stop_token stop) {
    co_return BeginMultipart(key, meta, settings, stop);
  }
  virtual Task<Result<std::string>> PutPartAsync(const std::string& key,
                                                 const std::string& upload_id, int part_number,
                                                 uint64_t offset, std::string_view data,
                                                 const std::string& content_md5,
                                                 std::stop_token stop) {
    co_return PutPart(key, upload_id, part_number, offset, data, content_md5, stop);
  }
  virtual Task<Result<std::string>> CompleteMultipartAsync(const std::string& key,
                                                           const std::string& upload_id,
                                                           const std::vector<PartEtag>& parts,
                                                           std::stop_token stop) {
    co_return CompleteMultipart(key, upload_id, parts, stop);
  }
  virtual Task<Status> AbortMultipartAsync(const std::string& key, const std::string& upload_id,
                                           std::stop_token stop) {
    co_return AbortMultipart(key, upload_id, stop);
  }
  virtual Task<Result<std::vector<PartEtag>>> ListUploadedPartsAsync(const std::string& key,
                                                                     const std::string& upload_id,
                                                                     std::stop_token stop) {
    co_return ListUploadedParts(key, upload_id, stop);
  }
  virtual Task<Result<std::string>> CopyFromAsync(ObjectStore& source, const std::string& src_key,
                                                  const std::string& key, uint64_t size,
                                                  const std::vector<uint64_t>& part_sizes,
                                                  const WriteSettings& settings,
                                                  std::stop_token stop) {
    co_return CopyFrom(source, src_key, key, size, part_sizes, settings, stop);
  }
  virtual Task<Result<std::string>> GetTaggingAsync(const std::string& key,
                                                    std::stop_token stop) {
    co_return GetTagging(key, stop);
  }

  // A whole object streamed from one store's read into another's write through a
  // bounded pipe, so an object copied in one PUT is never in memory whole. Only
  // where CanStreamReads() at the source and CanStreamWrites() at the destination:
  // the two ends run at once, each closing its end of `pipe` when it ends, so a
  // failure at one stops the other.
  virtual bool CanStreamReads() const { return false; }
  virtual bool CanStreamWrites() const { return false; }
  // The object's bytes into `pipe`; refused when its ETag is no longer `if_match`.
  virtual Task<Result<ObjectMeta>> ReadIntoAsync(const std::string& key,
                                                 const std::string& if_match,
                                                 std::shared_ptr<BytePipe> pipe,
                                                 std::stop_token stop) {
    (void)key, (void)if_match, (void)pipe, (void)stop;
    co_return Status::NotSupported("streamed reads");
  }
  // Writes `size` bytes read from `pipe`, checked by the store against `content_md5`
  // (base64): bytes that differ are refused with DataLoss and not stored.
  virtual Task<Result<std::string>> PutFromAsync(const std::string& key,
                                                 std::shared_ptr<BytePipe> pipe, uint64_t size,
                                                 const ObjectMeta& meta,
                                                 const WriteSettings& settings,
                                                 const std::string& content_md5,
                                                 std::stop_token stop) {
    (void)key, (void)pipe, (void)size, (void)meta, (void)settings, (void)content_md5, (void)stop;
    co_return Status::NotSupported("streamed writes");
  }

  // The object's tags as "k=v&k2=v2" (URL-encoded), for --tags.
  virtual Result<std::string> GetTagging(const std::string& key, std::stop_token stop) {
    (void)key, (void)stop;
    return Status::NotSupported("object tags");
  }

  // Requests sent so far by operation, for the run's summary; empty for a folder.
  virtual std::map<std::string, uint64_t> RequestCounts() const { return {}; }

  // True when ETags are MD5-based (S3), so size+ETag comparisons are meaningful.
  virtual bool HasMd5Etags() const { return false; }
  // False when a key ending in '/' (a "folder marker" made by S3 consoles) cannot be
  // stored: such keys are then left out of the run on both sides.
  virtual bool StoresFolderMarkers() const { return true; }
  // Largest single write and part count: S3 5 GiB / 10,000 parts.
  virtual uint64_t MaxPartSize() const { return uint64_t{5} << 30; }
  virtual int MaxParts() const { return 10000; }
  virtual uint64_t MinPartSize() const { return uint64_t{5} << 20; }
};

}  // namespace ferry::store
