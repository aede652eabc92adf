#include "engine/delete_spool.h"

#include <cstdint>

namespace ferry::engine {

DeleteSpool::DeleteSpool() : file_(std::tmpfile()) {}

DeleteSpool::~DeleteSpool() {
  if (file_ != nullptr) std::fclose(file_);
}

Status DeleteSpool::Add(const std::string& key, uint64_t size) {
  // Length-prefixed: keys may hold any byte, newlines included.
  const uint32_t len = static_cast<uint32_t>(key.size());
  if (file_ == nullptr || std::fwrite(&size, sizeof(size), 1, file_) != 1 ||
      std::fwrite(&len, sizeof(len), 1, file_) != 1 ||
      std::fwrite(key.data(), 1, key.size(), file_) != key.size()) {
    return Status(Code::kResourceExhausted, "cannot write the temporary list of keys to delete",
                  "free space in the temporary folder ($TMPDIR)");
  }
  ++count_;
  return Status::OK();
}

Status DeleteSpool::ForEachBatch(
    size_t batch_size, const std::function<Status(const std::vector<SpooledDelete>&)>& batch) {
  if (file_ == nullptr) return Status::OK();
  std::rewind(file_);
  std::vector<SpooledDelete> keys;
  uint64_t size = 0;
  uint32_t len = 0;
  while (std::fread(&size, sizeof(size), 1, file_) == 1 &&
         std::fread(&len, sizeof(len), 1, file_) == 1) {
    std::string key(len, '\0');
    if (std::fread(key.data(), 1, len, file_) != len) break;
    keys.push_back({std::move(key), size});
    if (keys.size() == batch_size) {
      FERRY_RETURN_IF_ERROR(batch(keys));
      keys.clear();
    }
  }
  if (!keys.empty()) return batch(keys);
  return Status::OK();
}

}  // namespace ferry::engine
