#include "images/image_plan.h"

namespace ferry::images {

Result<std::vector<ImageJob>> PlanJobs(RegistryClient& source,
                                       const std::vector<ImageSelection>& selections,
                                       const std::optional<std::regex>& tags,
                                       std::stop_token stop) {
  std::vector<ImageJob> jobs;
  for (const auto& s : selections) {
    if (!s.tag.empty()) {
      jobs.push_back({s.src_repo, s.tag, s.dst_repo, s.dst_tag.empty() ? s.tag : s.dst_tag});
      continue;
    }
    auto listed = source.ListTags(s.src_repo, stop);
    if (!listed.ok()) return std::move(listed).take_error();
    for (const auto& tag : *listed) {
      if (tags && !std::regex_match(tag, *tags)) continue;
      // Every tag is copied, so referrers fallback tags come as tags of their own.
      jobs.push_back({s.src_repo, tag, s.dst_repo, tag, /*referrers_tag=*/false});
    }
  }
  return jobs;
}

}  // namespace ferry::images
