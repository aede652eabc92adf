#include "engine/etag_hasher.h"

#include <algorithm>

namespace ferry::engine {

EtagHasher::EtagHasher(PartPlan plan, uint64_t size) : plan_(std::move(plan)), size_(size) {
  part_left_ = plan_.parts > 0 ? plan_.Length(1, size_) : size_;
}

void EtagHasher::Update(std::string_view data) {
  while (!data.empty()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(part_left_, data.size()));
    md5_->Update(data.substr(0, n));
    data.remove_prefix(n);
    part_left_ -= n;
    if (part_left_ == 0 && plan_.parts > 0 && part_ < plan_.parts) {
      part_digests_ += md5_->Finish();
      md5_ = std::make_unique<Md5>();
      ++part_;
      part_left_ = plan_.Length(part_, size_);
    } else if (n == 0) {
      // More bytes than the object has: hash them, so the ETag cannot match.
      md5_->Update(data);
      return;
    }
  }
}

std::string EtagHasher::Etag() {
  if (plan_.parts == 0) return Md5::Hex(md5_->Finish());
  part_digests_ += md5_->Finish();
  return MultipartEtag(part_digests_, plan_.parts);
}

}  // namespace ferry::engine
