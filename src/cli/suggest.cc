#include "cli/suggest.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <utility>

namespace ferry::cli {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The sub-command the user ended in: its flags are the candidates.
const CLI::App* Innermost(const CLI::App& app) {
  const CLI::App* at = &app;
  for (;;) {
    auto parsed = at->get_subcommands();
    if (parsed.empty()) return at;
    at = parsed.front();
  }
}

}  // namespace

std::optional<std::string> Nearest(const std::string& typed,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, typed.size() / 3) + 1;  // a typo, not a new word
  for (const auto& c : candidates) {
    const size_t d = EditDistance(typed, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string DescribeUnexpected(const CLI::App& app) {
  const CLI::App* command = Innermost(app);
  std::vector<std::string> flags;
  for (const CLI::Option* opt : command->get_options()) {
    for (const auto& name : opt->get_lnames()) flags.push_back("--" + name);
  }
  for (const CLI::Option* opt : app.get_options()) {  // -v, --log-format work anywhere
    for (const auto& name : opt->get_lnames()) flags.push_back("--" + name);
  }
  std::string out;
  bool after_unknown_flag = false;
  for (const auto& arg : app.remaining(/*recurse=*/true)) {
    const std::string flag = arg.substr(0, arg.find('='));
    if (flag.starts_with("-")) {
      if (!out.empty()) out += "; ";
      out += "unknown flag " + flag;
      if (auto near = Nearest(flag, flags)) out += " (did you mean " + *near + "?)";
      after_unknown_flag = flag == arg;  // "--flag value": the value is no news
    } else if (!std::exchange(after_unknown_flag, false)) {
      if (!out.empty()) out += "; ";
      out += "unexpected argument '" + arg + "'";
    }
  }
  const std::string path = command == &app ? "ferry" : "ferry " + command->get_name();
  return out + "; see " + path + " --help";
}

}  // namespace ferry::cli
