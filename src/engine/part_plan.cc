#include "engine/part_plan.h"

#include <algorithm>
#include <charconv>

#include "core/md5.h"

namespace ferry::engine {

PartPlan PlanParts(uint64_t size, uint64_t requested, const store::ObjectStore& destination) {
  const uint64_t max_parts = static_cast<uint64_t>(destination.MaxParts());
  uint64_t part = requested == 0 ? kDefaultPartSize : requested;
  // 5 TiB in 10,000 parts needs parts of at least ~525 MiB: grow in MiB steps.
  const uint64_t needed = (size + max_parts - 1) / max_parts;
  if (part < needed) part = (needed + (uint64_t{1} << 20) - 1) & ~((uint64_t{1} << 20) - 1);
  part = std::clamp(part, destination.MinPartSize(), destination.MaxPartSize());
  PartPlan plan;
  plan.part_size = part;
  plan.parts = size == 0 ? 1 : static_cast<int>((size + part - 1) / part);
  return plan;
}

PartPlan PlanFromSizes(uint64_t size, const std::vector<uint64_t>& sizes) {
  if (sizes.empty()) return {};
  PartPlan plan;
  plan.part_size = sizes.front();
  plan.parts = static_cast<int>(sizes.size());
  plan.starts.reserve(sizes.size() + 1);
  uint64_t offset = 0;
  bool uniform = true;
  for (size_t i = 0; i < sizes.size(); ++i) {
    plan.starts.push_back(offset);
    offset += sizes[i];
    const bool last = i + 1 == sizes.size();
    if (last ? sizes[i] > plan.part_size : sizes[i] != plan.part_size) uniform = false;
  }
  plan.starts.push_back(offset);
  if (offset != size) return {};
  if (uniform) plan.starts.clear();
  return plan;
}

bool FitsStore(const PartPlan& plan, uint64_t size, const store::ObjectStore& destination) {
  if (plan.parts < 1 || plan.parts > destination.MaxParts()) return false;
  for (int n = 1; n <= plan.parts; ++n) {
    const uint64_t length = plan.Length(n, size);
    if (length > destination.MaxPartSize()) return false;
    if (n < plan.parts && length < destination.MinPartSize()) return false;
  }
  return true;
}

int EtagPartCount(const std::string& etag) {
  const size_t dash = etag.rfind('-');
  if (dash == std::string::npos) return 0;
  int parts = 0;
  const char* end = etag.data() + etag.size();
  auto [ptr, ec] = std::from_chars(etag.data() + dash + 1, end, parts);
  return ec == std::errc() && ptr == end && parts > 0 ? parts : 0;
}

std::string MultipartEtag(const std::string& concatenated_part_digests, int parts) {
  return Md5::Hex(Md5::Digest(concatenated_part_digests)) + "-" + std::to_string(parts);
}

Task<Result<PartPlan>> LearnLayoutAsync(store::ObjectStore& source, const std::string& key,
                                        uint64_t size, const std::string& etag,
                                        std::stop_token stop) {
  const int parts = EtagPartCount(etag);
  if (parts == 0) co_return Status::NotSupported("part layout of an ETag without a part count");
  auto contradiction = [&](const std::string& what) {
    return Status::DataLoss("the source's part layout of '" + key + "' " + what,
                            "nothing; the object is asked for again on the next attempt");
  };
  // The size of part n, checked against the part count the ETag names.
  auto part_size = [&](int n) -> Task<Result<uint64_t>> {
    auto part = co_await source.HeadPartAsync(key, n, stop);
    if (!part.ok()) co_return std::move(part).take_error();
    if (part->parts != parts) {
      co_return contradiction("has " + std::to_string(part->parts) + " parts, its ETag says " +
                              std::to_string(parts));
    }
    co_return part->size;
  };
  auto first = co_await part_size(1);
  if (!first.ok()) co_return std::move(first).take_error();
  std::vector<uint64_t> sizes{*first};
  if (parts > 1) {
    auto last = co_await part_size(parts);
    if (!last.ok()) co_return std::move(last).take_error();
    const uint64_t middle = static_cast<uint64_t>(parts - 2) * *first;
    const bool uniform = *last <= *first && *last > 0 && *first + middle + *last == size;
    if (uniform) {
      sizes.assign(static_cast<size_t>(parts - 1), *first);
      sizes.push_back(*last);
    } else {
      // Parts of different sizes: ask for each one.
      for (int n = 2; n < parts; ++n) {
        auto length = co_await part_size(n);
        if (!length.ok()) co_return std::move(length).take_error();
        sizes.push_back(*length);
      }
      sizes.push_back(*last);
    }
  }
  PartPlan plan = PlanFromSizes(size, sizes);
  if (plan.parts == 0) co_return contradiction("does not add up to its size");
  co_return plan;
}

Result<PartPlan> LearnLayout(store::ObjectStore& source, const std::string& key, uint64_t size,
                             const std::string& etag, std::stop_token stop) {
  return RunBlocking(LearnLayoutAsync(source, key, size, etag, stop));
}

}  // namespace ferry::engine
