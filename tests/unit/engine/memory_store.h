// An in-memory ObjectStore for unit tests of the engine only (the conformance
// suite runs the real backends). `folder_first` lists like SeaweedFS does.
#pragma once

#include <algorithm>
#include <map>
#include <string>

#include "unit/engine/unsupported_store.h"

namespace ferry::testing {

class MemoryStore final : public UnsupportedStore {
 public:
  explicit MemoryStore(bool folder_first = false) : folder_first_(folder_first) {}

  void Add(const std::string& key, uint64_t size, std::string etag = "e", int64_t mtime = 0) {
    objects_[key] = {key, size, std::move(etag), mtime, "STANDARD"};
  }
  int level_calls = 0;

  std::string Describe() const override { return "memory"; }

  Status List(const store::ListRange& range, const store::PageSink& sink,
              std::stop_token) override {
    std::vector<store::ObjectEntry> all;
    for (const auto& [k, e] : objects_) {
      if (k.starts_with(range.prefix)) all.push_back(e);
    }
    if (folder_first_) {
      // Folders before files at every level, as a file tree walk yields them.
      std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return FolderFirstKey(a.key) < FolderFirstKey(b.key);
      });
    }
    for (size_t i = 0; i < all.size(); i += 2) {  // tiny pages exercise paging
      std::vector<store::ObjectEntry> page(all.begin() + i,
                                           all.begin() + std::min(all.size(), i + 2));
      FERRY_RETURN_IF_ERROR(sink(std::move(page)));
    }
    return Status::OK();
  }

  Result<store::Level> ListLevel(const std::string& prefix, size_t max_objects,
                                 std::stop_token) override {
    ++level_calls;
    store::Level level;
    for (const auto& [k, e] : objects_) {
      if (!k.starts_with(prefix)) continue;
      const auto slash = k.find('/', prefix.size());
      if (slash == std::string::npos) {
        level.objects.push_back(e);
      } else {
        const std::string p = k.substr(0, slash + 1);
        if (level.prefixes.empty() || level.prefixes.back() != p) level.prefixes.push_back(p);
      }
      if (level.objects.size() > max_objects) {
        level.truncated = true;
        break;
      }
    }
    std::sort(level.prefixes.begin(), level.prefixes.end());
    level.prefixes.erase(std::unique(level.prefixes.begin(), level.prefixes.end()),
                         level.prefixes.end());
    return level;
  }


 private:
  // Maps each '/' to a byte below every other, so folders sort before files.
  static std::string FolderFirstKey(std::string key) {
    for (auto& c : key) {
      if (c == '/') c = '\x01';
    }
    return key;
  }

  bool folder_first_;
  std::map<std::string, store::ObjectEntry> objects_;
};

}  // namespace ferry::testing
