#include "store/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <coroutine>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <utility>

#include "core/md5.h"

namespace ferry::store {
namespace {

constexpr size_t kPageSize = 1000;
constexpr size_t kReadChunk = 1 << 20;
// A streamed write's buffer: one per object in flight, so smaller than a file read's.
constexpr size_t kPipeReadChunk = 256 << 10;

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
  if (err == ELOOP) {
    return Status::InvalidArgument(
        msg + " (a symbolic link)",
        "ferry does not follow symbolic links in a local folder: they could lead out of it");
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

// For the root only, which the user named (its own path may hold links).
Status MakeParents(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Errno("creating folder", dir);
  }
  return Status::OK();
}

// Short, so that a name that fits the file system has a temporary name that fits too.
std::string TempName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::string(LocalStore::kTempPrefix) + std::to_string(rng());
}

// An upload ID is the name of a temporary file beside the object, nothing else.
bool IsUploadName(const std::string& id) {
  return id.starts_with(LocalStore::kTempPrefix) && id.find('/') == std::string::npos &&
         id.find('\0') == std::string::npos;
}

// `text` with NUL bytes shown as \0, for messages.
std::string Printable(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\0') out += "\\0";
    else out += c;
  }
  return out;
}

// The source ETag ferry records on a file (as an S3 destination keeps it in
// metadata), with the size and mtime the file had then: a later listing trusts
// it only while both are unchanged, so a file edited since is compared anew.
constexpr const char* kRecordedEtagXattr = "user.ferry.source-etag";

std::string StatStamp(const struct stat& st) {
  return std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

// REQUIRES: `name` is a regular file in `dir_fd` (never followed if a link).
void RecordSourceEtag(int dir_fd, const std::string& name, const ObjectMeta& meta) {
  auto it = meta.content.metadata.find(kSourceEtagMetadata);
  if (it == meta.content.metadata.end()) return;
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    const std::string value = it->second + " " + StatStamp(st);
    // Best effort: where the file system has no user xattrs, compares fall back to times.
    (void)::fsetxattr(fd, kRecordedEtagXattr, value.data(), value.size(), 0);
  }
  ::close(fd);
}

// The recorded source ETag of `name` in `dir_fd` while the file is as recorded.
// Read through the folder's descriptor, so no link on the way is followed.
std::string RecordedEtag(int dir_fd, const std::string& name, const struct stat& st) {
  const std::string path = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
  char value[256];
  const ssize_t n = ::lgetxattr(path.c_str(), kRecordedEtagXattr, value, sizeof(value));
  if (n <= 0) return "";
  const std::string text(value, static_cast<size_t>(n));
  const size_t space = text.find(' ');
  if (space == std::string::npos) return "";
  return text.substr(space + 1) == StatStamp(st) ? text.substr(0, space) : "";
}

// Opens the folder `rel` ('/'-separated, each segment already checked) below
// `dir_fd` one segment at a time, never through a symbolic link; creates missing
// folders when `create`. Returns a new descriptor; errno tells why not.
int OpenFolderBeneath(int dir_fd, std::string_view rel, bool create) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  while (fd >= 0 && !rel.empty()) {
    const size_t slash = rel.find('/');
    const std::string segment(rel.substr(0, slash));
    rel.remove_prefix(slash == std::string_view::npos ? rel.size() : slash + 1);
    if (segment.empty()) continue;
    if (create && ::mkdirat(fd, segment.c_str(), 0755) != 0 && errno != EEXIST) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return -1;
    }
    const int next =
        ::openat(fd, segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    ::close(fd);
    errno = err;
    fd = next;
  }
  return fd;
}

// Suspends a coroutine until a pipe that told it to pause wakes it, then resumes
// it on `pool`: a streamed write holds no thread while its source is slower.
class PipeWaiter {
 public:
  explicit PipeWaiter(ThreadPool& pool) : pool_(pool) {}

  // The pipe's waker. It runs under the pipe's lock, so it only posts the resume.
  void Wake() {
    MutexLock lock(mu_);
    if (waiting_) {
      pool_.Submit([h = std::exchange(waiting_, {})] { h.resume(); });
    } else {
      woken_ = true;  // woke before the wait began: the wait will not suspend
    }
  }

  auto Wait() {
    struct Awaiter {
      PipeWaiter& w;
      bool await_ready() { return w.TakeWoken(); }
      bool await_suspend(std::coroutine_handle<> h) {
        MutexLock lock(w.mu_);
        if (std::exchange(w.woken_, false)) return false;
        w.waiting_ = h;
        return true;
      }
      void await_resume() const noexcept {}
    };
    return Awaiter{*this};
  }

 private:
  bool TakeWoken() {
    MutexLock lock(mu_);
    return std::exchange(woken_, false);
  }

  ThreadPool& pool_;
  Mutex mu_;
  bool woken_ GUARDED_BY(mu_) = false;
  std::coroutine_handle<> waiting_ GUARDED_BY(mu_);
};

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
// The metadata comes from the source service: anything not a plausible time is ignored.
void ApplyMtime(int dir_fd, const std::string& name, const ObjectMeta& meta) {
  int64_t ms = meta.mtime_ms;
  if (auto it = meta.content.metadata.find("mtime"); it != meta.content.metadata.end()) {
    char* end = nullptr;
    const double seconds = std::strtod(it->second.c_str(), &end);
    if (end != it->second.c_str() && std::isfinite(seconds) && seconds > 0 && seconds < 1e11) {
      ms = static_cast<int64_t>(seconds * 1000);
    }
  }
  if (ms <= 0) return;
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = ms / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (ms % 1000) * 1000000;
  ::utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

}  // namespace

LocalStore::LocalStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

LocalStore::~LocalStore() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

Status LocalStore::ConfineTo(const std::string& boundary) {
  std::error_code ec;
  const auto full = std::filesystem::weakly_canonical(std::filesystem::absolute(root_, ec), ec);
  const std::string normal = full.string();
  if (ec || boundary.empty() || !(normal == boundary || normal.starts_with(boundary + "/"))) {
    return Status::InvalidArgument("the local folder '" + root_ + "' is outside '" + boundary +
                                       "'",
                                   "a folder under " + boundary);
  }
  boundary_ = boundary;
  root_in_boundary_ = normal == boundary ? std::string() : normal.substr(boundary.size() + 1);
  return Status::OK();
}

void LocalStore::Skip(const std::string& key, const std::string& why) {
  {
    MutexLock lock(mu_);
    if (!skipped_.insert(key).second) return;
  }
  // A name from the disk may hold control characters: shown escaped, everywhere.
  if (reporter_) {
    reporter_(Printable(key), why);
  } else {
    spdlog::warn("skipped '{}' in {}: {}", Printable(key), root_, why);
  }
}

Result<int> LocalStore::RootFd(bool create) {
  MutexLock lock(mu_);
  if (root_fd_ >= 0) return root_fd_;
  int fd = -1;
  if (boundary_.empty()) {
    if (create) FERRY_RETURN_IF_ERROR(MakeParents(root_ + "/"));
    fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else {
    const int base = ::open(boundary_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base < 0) return Errno("opening folder", boundary_);
    fd = OpenFolderBeneath(base, root_in_boundary_, create);
    const int err = errno;
    ::close(base);
    errno = err;
  }
  if (fd < 0) {
    if (errno == ENOTDIR) {
      return Status::InvalidArgument("'" + root_ + "' is not a folder",
                                     "the local path must name a folder");
    }
    return Errno("opening folder", root_);
  }
  root_fd_ = fd;
  return root_fd_;
}

Status LocalStore::Probe(std::stop_token) {
  auto fd = RootFd(/*create=*/false);
  return fd.ok() ? Status::OK() : std::move(fd).take_error();
}

Status LocalStore::PrepareDestination(std::stop_token stop) {
  auto fd = RootFd(/*create=*/true);
  if (!fd.ok()) return std::move(fd).take_error();
  return Probe(stop);
}

Status LocalStore::ProbeDestination(std::stop_token stop) {
  Status st = Probe(stop);
  return st.code() == Code::kNotFound ? Status::OK() : st;
}

Result<std::string> LocalStore::PathFor(const std::string& key) const {
  if (key.find('\0') != std::string::npos) {
    return Status::InvalidArgument("key '" + Printable(key) + "' holds a NUL byte",
                                   "no file name can hold one; such keys exist only in object "
                                   "stores");
  }
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

Result<int> LocalStore::OpenParent(const std::string& key, bool create, std::string& leaf) {
  auto path = PathFor(key);
  if (!path.ok()) return std::move(path).take_error();
  auto root = RootFd(create);
  if (!root.ok()) return std::move(root).take_error();
  const size_t slash = key.rfind('/');
  leaf = slash == std::string::npos ? key : key.substr(slash + 1);
  const std::string folder = slash == std::string::npos ? std::string() : key.substr(0, slash);
  const int fd = OpenFolderBeneath(*root, folder, create);
  if (fd < 0) return Errno(create ? "creating folder" : "opening folder", root_ + "/" + folder);
  return fd;
}

Status LocalStore::WalkSorted(int dir_fd, const std::string& dir_key, const ListRange& range,
                              std::vector<ObjectEntry>& page, const PageSink& sink,
                              std::stop_token stop) {
  if (stop.stop_requested()) return Status::Cancelled();
  const std::string dir_path = dir_key.empty() ? root_ : root_ + "/" + dir_key;
  // A fresh open file description: the root's descriptor is shared by threads.
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("listing folder", dir_path);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
  if (!dir) {
    ::close(fd);
    return Errno("listing folder", dir_path);
  }
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
    if (::fstatat(dirfd(dir.get()), e->d_name, &item.st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    item.is_dir = S_ISDIR(item.st.st_mode);
    const std::string key = dir_key + name;
    if (!item.is_dir && !S_ISREG(item.st.st_mode)) {
      const size_t n = std::min(key.size(), range.prefix.size());
      if (key.compare(0, n, range.prefix, 0, n) == 0) {
        Skip(key, S_ISLNK(item.st.st_mode) ? "a symbolic link (not followed)"
                                           : "not a regular file or folder");
      }
      continue;
    }
    item.name = name;
    item.sort_key = key + (item.is_dir ? "/" : "");
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
      const int sub = ::openat(dirfd(dir.get()), item.name.c_str(),
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        if (errno == ENOENT) continue;  // vanished
        if (errno == ELOOP || errno == ENOTDIR) {
          Skip(key.substr(0, key.size() - 1), "a symbolic link (not followed)");
          continue;
        }
        return Errno("listing folder", root_ + "/" + key);
      }
      Status st = WalkSorted(sub, key, range, page, sink, stop);
      ::close(sub);
      FERRY_RETURN_IF_ERROR(st);
      continue;
    }
    if (key.size() < range.prefix.size()) continue;
    page.push_back({key, static_cast<uint64_t>(item.st.st_size), "", MtimeMs(item.st), "",
                    RecordedEtag(dirfd(dir.get()), item.name, item.st)});
    if (page.size() >= kPageSize) {
      FERRY_RETURN_IF_ERROR(sink(std::move(page)));
      page.clear();
    }
  }
  return Status::OK();
}

Status LocalStore::List(const ListRange& range, const PageSink& sink, std::stop_token stop) {
  auto root = RootFd(/*create=*/false);
  // Missing: a destination not made yet (a source that is missing fails its Probe).
  if (!root.ok() && root.error().code() == Code::kNotFound) return Status::OK();
  if (!root.ok()) return std::move(root).take_error();
  std::vector<ObjectEntry> page;
  FERRY_RETURN_IF_ERROR(WalkSorted(*root, "", range, page, sink, stop));
  if (!page.empty()) return sink(std::move(page));
  return Status::OK();
}

Result<Level> LocalStore::ListLevel(const std::string& prefix, size_t max_objects,
                                    std::stop_token stop) {
  if (stop.stop_requested()) return Status::Cancelled();
  Level level;
  auto root = RootFd(/*create=*/false);
  if (!root.ok()) {
    if (root.error().code() == Code::kNotFound) return level;
    return std::move(root).take_error();
  }
  // Prefixes that end inside a name ("dir/ab") are listed flat by the caller.
  const std::string dir_key = prefix.substr(0, prefix.rfind('/') + 1);
  const std::string dir_path = dir_key.empty() ? root_ : root_ + "/" + dir_key;
  if (dir_key.find('\0') != std::string::npos) {
    return Status::InvalidArgument("the prefix '" + Printable(prefix) + "' holds a NUL byte");
  }
  const int fd = OpenFolderBeneath(*root, dir_key, /*create=*/false);
  if (fd < 0) {
    if (errno == ENOENT) return level;
    return Errno("listing folder", dir_path);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
  if (!dir) {
    ::close(fd);
    return Errno("listing folder", dir_path);
  }
  while (dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    const std::string key = dir_key + name;
    if (!key.starts_with(prefix)) continue;
    struct stat st;
    if (::fstatat(dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      level.prefixes.push_back(key + "/");
    } else if (S_ISREG(st.st_mode)) {
      level.objects.push_back({key, static_cast<uint64_t>(st.st_size), "", MtimeMs(st), "",
                               RecordedEtag(dirfd(dir.get()), name, st)});
      if (level.objects.size() > max_objects) {
        level.truncated = true;
        return level;
      }
    } else {
      Skip(key, S_ISLNK(st.st_mode) ? "a symbolic link (not followed)"
                                    : "not a regular file or folder");
    }
  }
  std::sort(level.prefixes.begin(), level.prefixes.end());
  std::sort(level.objects.begin(), level.objects.end(),
            [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return level;
}

Result<ObjectMeta> LocalStore::Head(const std::string& key, std::stop_token) {
  std::string leaf;
  auto parent = OpenParent(key, /*create=*/false, leaf);
  if (!parent.ok()) return std::move(parent).take_error();
  Fd dir(*parent);
  struct stat st;
  if (::fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Errno("reading", root_ + "/" + key);
  }
  if (S_ISLNK(st.st_mode)) {
    return Status::NotFound("'" + root_ + "/" + key + "' is a symbolic link, not a file",
                            "ferry does not follow symbolic links in a local folder");
  }
  return MetaFromStat(st);
}

Result<int> LocalStore::OpenFile(const std::string& key, ObjectMeta& meta) {
  std::string leaf;
  auto parent = OpenParent(key, /*create=*/false, leaf);
  if (!parent.ok()) return std::move(parent).take_error();
  const std::string path = root_ + "/" + key;
  Fd dir(*parent);
  Fd fd(::openat(dir.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Errno("opening", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("reading", path);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("'" + path + "' is not a regular file", "the key");
  }
  meta = MetaFromStat(st);
  return fd.release();
}

Result<ObjectMeta> LocalStore::Read(const std::string& key, uint64_t offset, uint64_t length,
                                    const ByteSink& sink, std::stop_token stop) {
  ObjectMeta meta;
  auto opened = OpenFile(key, meta);
  if (!opened.ok()) return std::move(opened).take_error();
  Fd fd(*opened);
  const std::string path = root_ + "/" + key;
  std::string buffer(kReadChunk, '\0');
  uint64_t remaining = length == 0 ? UINT64_MAX : length;
  while (remaining > 0) {
    if (stop.stop_requested()) return Status::Cancelled();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, buffer.size()));
    const ssize_t n = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("reading", path);
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

Task<Result<ObjectMeta>> LocalStore::ReadIntoAsync(const std::string& key, const std::string&,
                                                   std::shared_ptr<BytePipe> pipe,
                                                   std::stop_token stop) {
  co_await Schedule(io());
  ObjectMeta meta;
  auto opened = OpenFile(key, meta);
  if (!opened.ok()) co_return std::move(opened).take_error();
  Fd fd(*opened);
  const std::string path = root_ + "/" + key;
  auto waiter = std::make_shared<PipeWaiter>(io());  // the pipe keeps its waker
  pipe->SetWriterWaker([waiter] { waiter->Wake(); });
  std::string buffer(kPipeReadChunk, '\0');
  uint64_t offset = 0;
  // The size the file had when opened is what the destination was told: no more is sent.
  while (offset < meta.size) {
    if (stop.stop_requested()) co_return Status::Cancelled();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(meta.size - offset, buffer.size()));
    const ssize_t n = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      co_return Errno("reading", path);
    }
    if (n == 0) break;  // it shrank: refused below
    const std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    for (;;) {
      const BytePipe::Verdict verdict = pipe->Write(chunk);
      if (verdict == BytePipe::Verdict::kOk) break;
      if (verdict == BytePipe::Verdict::kClosed) {
        // The destination failed (or the run stopped it): its error is the copy's.
        co_return Status::Cancelled("the destination stopped receiving");
      }
      co_await waiter->Wait();  // resumed on an I/O thread
    }
    offset += static_cast<uint64_t>(n);
  }
  if (offset != meta.size) {
    co_return Status::DataLoss("'" + path + "' shrank while it was read (" +
                               std::to_string(meta.size) + " then " + std::to_string(offset) +
                               " bytes, source side)",
                               "whether a program is still writing the file: copy it once it "
                               "is complete");
  }
  co_return meta;
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

Task<Result<std::string>> LocalStore::PutFromAsync(const std::string& key,
                                                  std::shared_ptr<BytePipe> pipe, uint64_t size,
                                                  const ObjectMeta& meta,
                                                  const WriteSettings& settings,
                                                  const std::string& content_md5,
                                                  std::stop_token stop) {
  co_await Schedule(io());
  auto upload = BeginMultipart(key, meta, settings, stop);
  if (!upload.ok()) co_return upload;
  Status written = co_await WriteFromPipe(key, *upload, pipe, size, content_md5);
  if (!written.ok()) {
    (void)AbortMultipart(key, *upload, stop);
    co_return written;
  }
  co_return CompleteMultipart(key, *upload, {}, stop);
}

Task<Status> LocalStore::WriteFromPipe(const std::string& key, const std::string& upload_id,
                                       std::shared_ptr<BytePipe> pipe, uint64_t size,
                                       const std::string& content_md5) {
  std::string temp;
  auto opened = OpenUploadFile(key, upload_id, temp);
  if (!opened.ok()) co_return std::move(opened).take_error();
  Fd fd(*opened);
  auto waiter = std::make_shared<PipeWaiter>(io());  // the pipe keeps its waker
  pipe->SetReaderWaker([waiter] { waiter->Wake(); });
  Md5 md5;
  std::string buffer(kPipeReadChunk, '\0');
  uint64_t offset = 0;
  for (;;) {
    const auto read = pipe->Read(buffer.data(), buffer.size());
    if (read.verdict == BytePipe::Verdict::kClosed) {
      // The source failed (or the run stopped it): its error is the one the copy reports.
      co_return Status::Cancelled("the source stopped sending");
    }
    if (read.verdict == BytePipe::Verdict::kPause) {
      co_await waiter->Wait();  // resumed on an I/O thread
      continue;
    }
    if (read.bytes == 0) break;  // the source sent it all
    if (offset + read.bytes > size) {
      co_return Status::DataLoss("the source sent more than the " +
                                 std::to_string(size) +
                                 " bytes it announced (source side); nothing was written");
    }
    const std::string_view chunk(buffer.data(), read.bytes);
    if (Status st = WriteAll(fd.get(), chunk, offset, temp); !st.ok()) co_return st;
    md5.Update(chunk);
    offset += read.bytes;
  }
  if (offset != size) {
    co_return Status::DataLoss("the source sent " + std::to_string(offset) +
                               " bytes of the " + std::to_string(size) + " it announced" +
                               " (source side); nothing was written");
  }
  const std::string got = Md5::Base64(md5.Finish());
  if (!content_md5.empty() && got != content_md5) {
    co_return Status::DataLoss("the bytes received have MD5 " + got +
                               " where the source's is " + content_md5 +
                               " (damaged on the way from the source); nothing was written");
  }
  co_return Status::OK();
}

Result<std::string> LocalStore::BeginMultipart(const std::string& key, const ObjectMeta& meta,
                                               const WriteSettings&, std::stop_token) {
  std::string leaf;
  auto parent = OpenParent(key, /*create=*/true, leaf);
  if (!parent.ok()) return std::move(parent).take_error();
  Fd dir(*parent);
  // The upload ID is the temporary file's name.
  const std::string upload_id = TempName();
  const std::string temp = root_ + "/" + key.substr(0, key.size() - leaf.size()) + upload_id;
  Fd fd(::openat(dir.get(), upload_id.c_str(),
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno("creating", temp);
  if (meta.size > 0 && ::ftruncate(fd.get(), static_cast<off_t>(meta.size)) != 0) {
    Status st = Errno("sizing", temp);
    ::unlinkat(dir.get(), upload_id.c_str(), 0);
    return st;
  }
  MutexLock lock(mu_);
  pending_meta_[upload_id] = meta;
  return upload_id;
}

Result<std::string> LocalStore::PutPart(const std::string& key, const std::string& upload_id,
                                        int part_number, uint64_t offset, std::string_view data,
                                        const std::string&, std::stop_token) {
  if (!IsUploadName(upload_id)) return Status::NotFound("no upload '" + upload_id + "'");
  std::string temp;
  auto opened = OpenUploadFile(key, upload_id, temp);
  if (!opened.ok()) return std::move(opened).take_error();
  Fd fd(*opened);
  FERRY_RETURN_IF_ERROR(WriteAll(fd.get(), data, offset, temp));
  return "part-" + std::to_string(part_number);
}

Result<int> LocalStore::OpenUploadFile(const std::string& key, const std::string& upload_id,
                                       std::string& temp) {
  std::string leaf;
  auto parent = OpenParent(key, /*create=*/false, leaf);
  if (!parent.ok()) return std::move(parent).take_error();
  temp = root_ + "/" + key.substr(0, key.size() - leaf.size()) + upload_id;
  Fd dir(*parent);
  Fd fd(::openat(dir.get(), upload_id.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Errno("opening", temp);
  return fd.release();
}

Result<std::string> LocalStore::CompleteMultipart(const std::string& key,
                                                  const std::string& upload_id,
                                                  const std::vector<PartEtag>&, std::stop_token) {
  if (!IsUploadName(upload_id)) return Status::NotFound("no upload '" + upload_id + "'");
  std::string leaf;
  auto parent = OpenParent(key, /*create=*/false, leaf);
  if (!parent.ok()) return std::move(parent).take_error();
  Fd dir(*parent);
  ObjectMeta meta;
  {
    MutexLock lock(mu_);
    if (auto node = pending_meta_.extract(upload_id)) meta = std::move(node.mapped());
  }
  ApplyMtime(dir.get(), upload_id, meta);
  RecordSourceEtag(dir.get(), upload_id, meta);
  // rename replaces a link at `leaf` itself; it never writes through one.
  if (::renameat(dir.get(), upload_id.c_str(), dir.get(), leaf.c_str()) != 0) {
    Status st = Errno("renaming into place", root_ + "/" + key);
    ::unlinkat(dir.get(), upload_id.c_str(), 0);
    return st;
  }
  return std::string();
}

Status LocalStore::AbortMultipart(const std::string& key, const std::string& upload_id,
                                  std::stop_token) {
  {
    MutexLock lock(mu_);
    pending_meta_.erase(upload_id);
  }
  if (!IsUploadName(upload_id)) return Status::OK();  // never ours: nothing to remove
  std::string leaf;
  auto parent = OpenParent(key, /*create=*/false, leaf);
  if (!parent.ok()) {
    return parent.error().code() == Code::kNotFound ? Status::OK()
                                                    : std::move(parent).take_error();
  }
  Fd dir(*parent);
  if (::unlinkat(dir.get(), upload_id.c_str(), 0) != 0 && errno != ENOENT) {
    return Errno("removing", root_ + "/" + key.substr(0, key.size() - leaf.size()) + upload_id);
  }
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
    std::string leaf;
    auto parent = OpenParent(key, /*create=*/false, leaf);
    if (!parent.ok()) {
      if (parent.error().code() == Code::kNotFound) continue;  // already gone
      return std::move(parent).take_error();
    }
    Fd dir(*parent);
    // unlinkat removes a link itself, never what it points to.
    if (::unlinkat(dir.get(), leaf.c_str(), 0) != 0 && errno != ENOENT) {
      return Errno("deleting", root_ + "/" + key);
    }
  }
  return Status::OK();
}

}  // namespace ferry::store
