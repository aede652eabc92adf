// ObjectStore on a local folder (a NAS mount, a laptop disk). Keys are paths
// relative to the root with '/' separators; listings walk directories in the
// byte order S3 uses. Writes go to a temporary file renamed into place, so a
// reader never sees half an object. The modification time travels in the
// user metadata "mtime" (seconds, as rclone stores it).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "store/blocking_io_store.h"

namespace ferry::store {

class LocalStore final : public BlockingIoStore {
 public:
  explicit LocalStore(std::string root);

  std::string Describe() const override { return root_; }
  Status Probe(std::stop_token stop) override;
  Status PrepareDestination(std::stop_token stop) override;
  Status List(const ListRange& range, const PageSink& sink, std::stop_token stop) override;
  Result<Level> ListLevel(const std::string& prefix, size_t max_objects,
                          std::stop_token stop) override;
  Result<ObjectMeta> Head(const std::string& key, std::stop_token stop) override;
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
  Result<std::vector<PartEtag>> ListUploadedParts(const std::string& key,
                                                  const std::string& upload_id,
                                                  std::stop_token stop) override;
  Status Delete(const std::vector<std::string>& keys, std::stop_token stop) override;
  uint64_t MinPartSize() const override { return 1; }
  // A folder holds its files' folders implicitly; "dir/" has no file of its own.
  bool StoresFolderMarkers() const override { return false; }

  // Name prefix of temporary files; listings skip them.
  static constexpr std::string_view kTempPrefix = ".ferry-tmp-";

 private:
  Result<std::string> PathFor(const std::string& key) const;
  Status WalkSorted(const std::string& dir_key, const ListRange& range,
                    std::vector<ObjectEntry>& page, const PageSink& sink, std::stop_token stop);

  std::string root_;  // no trailing '/'
  std::mutex mu_;
  std::map<std::string, ObjectMeta> pending_meta_;  // upload ID -> meta to apply; guarded by mu_
};

}  // namespace ferry::store
