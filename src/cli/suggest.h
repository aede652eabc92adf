// "Did you mean ...?" for arguments a command does not take.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ferry::cli {

// The candidate closest to `typed` (edit distance), when close enough to be a typo.
std::optional<std::string> Nearest(const std::string& typed,
                                   const std::vector<std::string>& candidates);

// One line naming the arguments `app` (after a failed parse) did not take,
// with the nearest flag of the sub-command they were given to.
std::string DescribeUnexpected(const CLI::App& app);

}  // namespace ferry::cli
