#include "store/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace ferry::store {
namespace {

constexpr size_t kPageSize = 1000;
constexpr size_t kReadChunk = 1 << 20;

// RAII file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status Errno(const std::string& what, const std::string& path) {
  const int err = errno;
  const std::string msg = what + " '" + path + "': " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg, "that the folder exists");
  if (err == EACCES || err == EPERM) {
    return Status::PermissionDenied(msg, "the file permissions for the user running ferry");
  }
  if (err == ENOSPC) return Status(Code::kResourceExhausted, msg, "free space on the disk");
  if (err == ENAMETOOLONG) {
    return Status::InvalidArgument(
        msg, "the key: a file name holds at most 255 bytes; longer keys exist only in object stores");
  }
  if (err == ENOTDIR || err == EISDIR) {
    return Status::InvalidArgument(
        msg, "the keys: one key cannot be both a file and a folder ('a' and 'a/b') in a local folder");
  }
  return Status(Code::kInternal, msg);
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

ObjectMeta MetaFromStat(const struct stat& st) {
  ObjectMeta meta;
  meta.size = static_cast<uint64_t>(st.st_size);
  meta.mtime_ms = MtimeMs(st);
  // Recorded so that a folder → S3 → folder trip keeps the original time.
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f", static_cast<double>(meta.mtime_ms) / 1000);
  meta.content.metadata["mtime"] = seconds;
  return meta;
}

Status MakeParents(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Errno("creating folder", dir);
  }
  return Status::OK();
}

// Short, so that a name that fits the file system has a temporary name that fits too.
std::string TempPathFor(const std::string& path) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return path.substr(0, path.rfind('/') + 1) + std::string(LocalStore::kTempPrefix) +
         std::to_string(rng());
}

Status WriteAll(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

// Sets the file's mtime from the object's: user metadata "mtime" (seconds) first.
void ApplyMtime(const std::string& path, const ObjectMeta& meta) {
  int64_t ms = meta.mtime_ms;
  if (auto it = meta.content.metadata.find("mtime"); it != meta.content.metadata.end()) {
    ms = static_cast<int64_t>(std::strtod(it->second.c_str(), nullptr) * 1000);
  }
  if (ms <= 0) return;
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = ms / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (ms % 1000) * 1000000;
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

// Uploads live beside their object, named by the upload ID.
std::string UploadPath(const std::string& path, const std::string& upload_id) {
  return path.substr(0, path.rfind('/') + 1) + upload_id;
}

// The source ETag ferry records on a file (as an S3 destination keeps it in
// metadata), with the size and mtime the file had then: a later listing trusts
// it only while both are unchanged, so a file edited since is compared anew.
constexpr const char* kRecordedEtagXattr = "user.ferry.source-etag";

void RecordSourceEtag(const std::string& path, const ObjectMeta& meta) {
  auto it = meta.content.metadata.find(kSourceEtagMetadata);
  if (it == meta.content.metadata.end()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  const std::string value = it->second + " " + std::to_string(st.st_size) + " " +
                            std::to_string(st.st_mtim.tv_sec) + "." +
                            std::to_string(st.st_mtim.tv_nsec);
  // Best effort: where the file system has no user xattrs, compares fall back to times.
  (void)::lsetxattr(path.c_str(), kRecordedEtagXattr, value.data(), value.size(), 0);
}

std::string RecordedEtag(const std::string& path, const struct stat& st) {
  char value[256];
  const ssize_t n = ::lgetxattr(path.c_str(), kRecordedEtagXattr, value, sizeof(value));
  if (n <= 0) return "";
  const std::string text(value, static_cast<size_t>(n));
  const size_t space = text.find(' ');
  if (space == std::string::npos) return "";
  const std::string expected = std::to_string(st.st_size) + " " +
                               std::to_string(st.st_mtim.tv_sec) + "." +
                               std::to_string(st.st_mtim.tv_nsec);
  return text.substr(space + 1) == expected ? text.substr(0, space) : "";
}

Status Finish(const std::string& temp, const std::string& path, const ObjectMeta& meta) {
  ApplyMtime(temp, meta);
  RecordSourceEtag(temp, meta);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status st = Errno("renaming into place", path);
    ::unlink(temp.c_str());
    return st;
  }
  return Status::OK();
}

}  // namespace

LocalStore::LocalStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Status LocalStore::Probe(std::stop_token) {
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0) return Errno("opening folder", root_);
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("'" + root_ + "' is not a folder",
                                   "the local path must name a folder");
  }
  return Status::OK();
}

Status LocalStore::PrepareDestination(std::stop_token stop) {
  FERRY_RETURN_IF_ERROR(MakeParents(root_ + "/"));
  return Probe(stop);
}

Result<std::string> LocalStore::PathFor(const std::string& key) const {
  // Keys with empty, "." or ".." segments have no file of their own.
  size_t start = 0;
  for (;;) {
    const size_t slash = key.find('/', start);
    const std::string_view segment =
        std::string_view(key).substr(start, slash == std::string::npos ? std::string::npos
                                                                        : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("key '" + key + "' cannot be stored as a file",
                                     "keys with empty, '.' or '..' path segments (such as "
                                     "'a//b' or 'dir/') exist only in object stores");
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return root_ + "/" + key;
}

Status LocalStore::WalkSorted(const std::string& dir_key, const ListRange& range,
                              std::vector<ObjectEntry>& page, const PageSink& sink,
                              std::stop_token stop) {
  if (stop.stop_requested()) return Status::Cancelled();
  const std::string dir_path = dir_key.empty() ? root_ : root_ + "/" + dir_key;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(dir_path.c_str()), ::closedir);
  if (!dir) return Errno("listing folder", dir_path);
  // Directories sort as "name/" so the walk yields keys in byte order.
  struct Item {
    std::string name;
    std::string sort_key;
    bool is_dir;
    struct stat st;
  };
  std::vector<Item> items;
  while (dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    Item item;
    if (::fstatat(dirfd(dir.get()), e->d_name, &item.st, 0) != 0) continue;  // vanished
    item.is_dir = S_ISDIR(item.st.st_mode);
    if (!item.is_dir && !S_ISREG(item.st.st_mode)) continue;
    item.name = name;
    item.sort_key = dir_key + name + (item.is_dir ? "/" : "");
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.sort_key < b.sort_key; });
  for (auto& item : items) {
    const std::string& key = item.sort_key;
    // Prune what lies outside the prefix.
    const size_t n = std::min(key.size(), range.prefix.size());
    if (key.compare(0, n, range.prefix, 0, n) != 0) continue;
    if (item.is_dir) {
      FERRY_RETURN_IF_ERROR(WalkSorted(key, range, page, sink, stop));
      continue;
    }
    if (key.size() < range.prefix.size()) continue;
    page.push_back({key, static_cast<uint64_t>(item.st.st_size), "", MtimeMs(item.st), "",
                    RecordedEtag(dir_path + "/" + item.name, item.st)});
    if (page.size() >= kPageSize) {
      FERRY_RETURN_IF_ERROR(sink(std::move(page)));
      page.clear();
    }
  }
  return Status::OK();
}

Status LocalStore::List(const ListRange& range, const PageSink& sink, std::stop_token stop) {
  std::vector<ObjectEntry> page;
  FERRY_RETURN_IF_ERROR(WalkSorted("", range, page, sink, stop));
  if (!page.empty()) return sink(std::move(page));
  return Status::OK();
}

Result<Level> LocalStore::ListLevel(const std::string& prefix, size_t max_objects,
                                    std::stop_token stop) {
  if (stop.stop_requested()) return Status::Cancelled();
  // Prefixes that end inside a name ("dir/ab") are listed flat by the caller.
  const std::string dir_key = prefix.substr(0, prefix.rfind('/') + 1);
  const std::string dir_path = dir_key.empty() ? root_ : root_ + "/" + dir_key;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(dir_path.c_str()), ::closedir);
  Level level;
  if (!dir) {
    if (errno == ENOENT) return level;
    return Errno("listing folder", dir_path);
  }
  while (dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    const std::string key = dir_key + name;
    if (!key.starts_with(prefix)) continue;
    struct stat st;
    if (::fstatat(dirfd(dir.get()), e->d_name, &st, 0) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      level.prefixes.push_back(key + "/");
    } else if (S_ISREG(st.st_mode)) {
      level.objects.push_back({key, static_cast<uint64_t>(st.st_size), "", MtimeMs(st), "",
                               RecordedEtag(dir_path + "/" + name, st)});
      if (level.objects.size() > max_objects) {
        level.truncated = true;
        return level;
      }
    }
  }
  std::sort(level.prefixes.begin(), level.prefixes.end());
  std::sort(level.objects.begin(), level.objects.end(),
            [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return level;
}

Result<ObjectMeta> LocalStore::Head(const std::string& key, std::stop_token) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  struct stat st;
  if (::stat(path->c_str(), &st) != 0) return Errno("reading", *path);
  return MetaFromStat(st);
}

Result<ObjectMeta> LocalStore::Read(const std::string& key, uint64_t offset, uint64_t length,
                                    const ByteSink& sink, std::stop_token stop) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  Fd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("opening", *path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("reading", *path);
  ObjectMeta meta = MetaFromStat(st);
  std::string buffer(kReadChunk, '\0');
  uint64_t remaining = length == 0 ? UINT64_MAX : length;
  while (remaining > 0) {
    if (stop.stop_requested()) return Status::Cancelled();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, buffer.size()));
    const ssize_t n = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("reading", *path);
    }
    if (n == 0) break;
    if (!sink(std::string_view(buffer.data(), static_cast<size_t>(n)))) {
      return Status::Cancelled("read stopped by its consumer");
    }
    offset += static_cast<uint64_t>(n);
    remaining -= static_cast<uint64_t>(n);
  }
  return meta;
}

Result<std::string> LocalStore::Put(const std::string& key, std::string_view data,
                                    const ObjectMeta& meta, const WriteSettings& settings,
                                    const std::string& content_md5, std::stop_token stop) {
  // A whole object is a one-part upload: written aside, renamed into place.
  auto upload = BeginMultipart(key, meta, settings, stop);
  if (!upload.ok()) return upload;
  auto written = PutPart(key, *upload, 1, 0, data, content_md5, stop);
  if (!written.ok()) {
    (void)AbortMultipart(key, *upload, stop);
    return written;
  }
  return CompleteMultipart(key, *upload, {}, stop);
}

Result<std::string> LocalStore::BeginMultipart(const std::string& key, const ObjectMeta& meta,
                                               const WriteSettings&, std::stop_token) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  FERRY_RETURN_IF_ERROR(MakeParents(*path));
  const std::string temp = TempPathFor(*path);
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno("creating", temp);
  if (meta.size > 0 && ::ftruncate(fd.get(), static_cast<off_t>(meta.size)) != 0) {
    ::unlink(temp.c_str());
    return Errno("sizing", temp);
  }
  // The upload ID is the temporary file's name.
  std::string upload_id = temp.substr(temp.rfind('/') + 1);
  std::lock_guard lock(mu_);
  pending_meta_[upload_id] = meta;
  return upload_id;
}

Result<std::string> LocalStore::PutPart(const std::string& key, const std::string& upload_id,
                                        int part_number, uint64_t offset, std::string_view data,
                                        const std::string&, std::stop_token) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  const std::string temp = UploadPath(*path, upload_id);
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("opening", temp);
  FERRY_RETURN_IF_ERROR(WriteAll(fd.get(), data, offset, temp));
  return "part-" + std::to_string(part_number);
}

Result<std::string> LocalStore::CompleteMultipart(const std::string& key,
                                                  const std::string& upload_id,
                                                  const std::vector<PartEtag>&, std::stop_token) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  const std::string temp = UploadPath(*path, upload_id);
  ObjectMeta meta;
  {
    std::lock_guard lock(mu_);
    if (auto node = pending_meta_.extract(upload_id)) meta = std::move(node.mapped());
  }
  FERRY_RETURN_IF_ERROR(Finish(temp, *path, meta));
  return std::string();
}

Status LocalStore::AbortMultipart(const std::string& key, const std::string& upload_id,
                                  std::stop_token) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  const std::string temp = UploadPath(*path, upload_id);
  {
    std::lock_guard lock(mu_);
    pending_meta_.erase(upload_id);
  }
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT) return Errno("removing", temp);
  return Status::OK();
}

Result<std::vector<PartEtag>> LocalStore::ListUploadedParts(const std::string&,
                                                            const std::string&,
                                                            std::stop_token) {
  // A file does not remember which ranges were written: parts are sent again.
  return Status::NotSupported("resuming a partial file");
}

Status LocalStore::Delete(const std::vector<std::string>& keys, std::stop_token) {
  for (const auto& key : keys) {
    auto path = PathFor(key);
    if (!path.ok()) return std::move(path).take_error();
    if (::unlink(path->c_str()) != 0 && errno != ENOENT) return Errno("deleting", *path);
  }
  return Status::OK();
}

}  // namespace ferry::store
