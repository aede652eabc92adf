// Which images a run copies: selections (a repository, or one tag of it) expanded
// into one job per tag.
#pragma once

#include <optional>
#include <regex>
#include <stop_token>
#include <string>
#include <vector>

#include "images/image_copier.h"
#include "images/registry_client.h"

namespace ferry::images {

struct ImageSelection {
  std::string src_repo;
  std::string tag;  // empty = every tag (matching --tags)
  std::string dst_repo;
  std::string dst_tag;  // empty = the source tag
};

// One job per selected tag, in selection order. A selection without a tag lists
// the repository's tags (`parallel` repositories at a time) and keeps those that
// `tags` matches in full. Listing errors (a missing repository, a refused login)
// are returned as they are: a selection that cannot be resolved is a
// configuration error of the run.
Result<std::vector<ImageJob>> PlanJobs(RegistryClient& source,
                                       const std::vector<ImageSelection>& selections,
                                       const std::optional<std::regex>& tags, int parallel,
                                       std::stop_token stop);

}  // namespace ferry::images
