// ObjectStore on a local folder (a NAS mount, a laptop disk). Keys are paths
// relative to the root with '/' separators; listings walk directories in the
// byte order S3 uses. Writes go to a temporary file renamed into place, so a
// reader never sees half an object. The modification time travels in the
// user metadata "mtime" (seconds, as rclone stores it).
//
// The folder is a boundary: the root is opened once, and every listing, read,
// write and delete walks from it one path component at a time with O_NOFOLLOW,
// so no symbolic link inside the folder leads out of it (or anywhere). Links
// found while listing are skipped and reported with their key; a key with a
// NUL byte, or an empty, "." or ".." segment, is refused by name.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/mutex.h"
#include "store/blocking_io_store.h"

namespace ferry::store {

class LocalStore final : public BlockingIoStore {
 public:
  explicit LocalStore(std::string root);
  ~LocalStore() override;

  // Confines the root to `boundary` (a server's --local-root): the root is
  // opened from the boundary component by component, never through a link, so
  // a folder swapped for a link after the task was checked is refused too.
  // InvalidArgument when the root does not lie inside the boundary.
  Status ConfineTo(const std::string& boundary);

  // Called once per skipped entry (a symbolic link, a socket...) with its key
  // (control characters escaped) and why; by default a warning in the log. Set
  // before the first listing.
  using SkipReporter = std::function<void(const std::string& key, const std::string& why)>;
  void SetSkipReporter(SkipReporter reporter) { reporter_ = std::move(reporter); }

  std::string Describe() const override { return root_; }
  Status Probe(std::stop_token stop) override;
  Status PrepareDestination(std::stop_token stop) override;
  Status ProbeDestination(std::stop_token stop) override;
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
  // A streamed write goes to the temporary file as its bytes arrive, hashed on the
  // way, and is renamed into place only when their MD5 is `content_md5`. A
  // streamed read feeds the file to the pipe. Neither holds a thread while it
  // waits for the other end.
  bool CanStreamReads() const override { return true; }
  bool CanStreamWrites() const override { return true; }
  // A file has no ETag: `if_match` is not checked here. The engine sends the MD5
  // of a first pass as the write's Content-MD5, so bytes that changed since are
  // refused by the destination.
  Task<Result<ObjectMeta>> ReadIntoAsync(const std::string& key, const std::string& if_match,
                                         std::shared_ptr<BytePipe> pipe,
                                         std::stop_token stop) override;
  Task<Result<std::string>> PutFromAsync(const std::string& key, std::shared_ptr<BytePipe> pipe,
                                         uint64_t size, const ObjectMeta& meta,
                                         const WriteSettings& settings,
                                         const std::string& content_md5,
                                         std::stop_token stop) override;
  uint64_t MinPartSize() const override { return 1; }
  // A folder holds its files' folders implicitly; "dir/" has no file of its own.
  bool StoresFolderMarkers() const override { return false; }

  // Name prefix of temporary files; listings skip them.
  static constexpr std::string_view kTempPrefix = ".ferry-tmp-";

 private:
  // The key's path, for messages; InvalidArgument for keys no file can have.
  Result<std::string> PathFor(const std::string& key) const;
  // The root folder's descriptor, opened once (created first when `create`).
  Result<int> RootFd(bool create);
  // Opens the folder that holds `key` (creating missing folders when `create`);
  // `leaf` gets the key's last segment. The caller closes the descriptor.
  Result<int> OpenParent(const std::string& key, bool create, std::string& leaf);
  Status WalkSorted(int dir_fd, const std::string& dir_key, const ListRange& range,
                    std::vector<ObjectEntry>& page, const PageSink& sink, std::stop_token stop);
  void Skip(const std::string& key, const std::string& why);
  // Opens `key`'s file for reading: a regular file reached without a link.
  Result<int> OpenFile(const std::string& key, ObjectMeta& meta);
  // Opens an upload's temporary file for writing; `temp` gets its path, for messages.
  Result<int> OpenUploadFile(const std::string& key, const std::string& upload_id,
                             std::string& temp);
  // The pipe's bytes into the upload's temporary file, checked against `size`
  // and `content_md5`; runs on the I/O threads, holding none while it waits.
  Task<Status> WriteFromPipe(const std::string& key, const std::string& upload_id,
                             std::shared_ptr<BytePipe> pipe, uint64_t size,
                             const std::string& content_md5);

  std::string root_;  // no trailing '/'
  std::string boundary_;  // "" = the root path is trusted as given
  std::string root_in_boundary_;  // the root relative to boundary_
  SkipReporter reporter_;
  Mutex mu_;
  int root_fd_ GUARDED_BY(mu_) = -1;
  std::map<std::string, ObjectMeta> pending_meta_ GUARDED_BY(mu_);  // upload ID -> meta to apply
  std::set<std::string> skipped_ GUARDED_BY(mu_);  // keys reported
};

}  // namespace ferry::store
