#include "images/image_plan.h"

#include <future>
#include <memory>

#include "core/thread_pool.h"

namespace ferry::images {

Result<std::vector<ImageJob>> PlanJobs(RegistryClient& source,
                                       const std::vector<ImageSelection>& selections,
                                       const std::optional<std::regex>& tags, int parallel,
                                       std::stop_token stop) {
  // Tag listings first, in parallel; futures keep the selection order.
  std::vector<std::future<Result<std::vector<std::string>>>> listings(selections.size());
  {
    ThreadPool pool(std::max(1, parallel));
    for (size_t i = 0; i < selections.size(); ++i) {
      if (!selections[i].tag.empty()) continue;
      auto task = std::make_shared<std::packaged_task<Result<std::vector<std::string>>()>>(
          [&source, &repo = selections[i].src_repo, stop] { return source.ListTags(repo, stop); });
      listings[i] = task->get_future();
      pool.Submit([task] { (*task)(); });
    }
  }
  std::vector<ImageJob> jobs;
  for (size_t i = 0; i < selections.size(); ++i) {
    const ImageSelection& s = selections[i];
    if (!s.tag.empty()) {
      jobs.push_back({s.src_repo, s.tag, s.dst_repo, s.dst_tag.empty() ? s.tag : s.dst_tag});
      continue;
    }
    auto listed = listings[i].get();
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
