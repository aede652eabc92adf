#include "engine/filter.h"

#include <algorithm>
#include <fstream>

namespace ferry::engine {
namespace {

using Step = GlobPattern::Step;

std::vector<Step> Compile(std::string_view p) {
  std::vector<Step> steps;
  while (!p.empty()) {
    if (p.starts_with("**")) {
      steps.push_back({Step::kDoubleStar});
      p.remove_prefix(2);
      continue;
    }
    const char c = p.front();
    if (c == '*') {
      steps.push_back({Step::kStar});
    } else if (c == '?') {
      steps.push_back({Step::kAnyButSlash});
    } else if (c == '[') {
      const size_t close = p.find(']', 1);
      if (close == std::string_view::npos) {
        steps.push_back({Step::kNever});  // an unclosed class matches nothing
        break;
      }
      Step step{Step::kClass};
      step.set = std::string(p.substr(1, close - 1));
      step.negate = !step.set.empty() && (step.set.front() == '!' || step.set.front() == '^');
      if (step.negate) step.set.erase(0, 1);
      steps.push_back(step);
      p.remove_prefix(close);
    } else if (c == '\\' && p.size() > 1) {
      p.remove_prefix(1);
      steps.push_back({Step::kChar, p.front()});
    } else {
      steps.push_back({Step::kChar, c});
    }
    p.remove_prefix(1);
  }
  return steps;
}

bool InClass(const Step& step, char k) {
  bool hit = false;
  const std::string& set = step.set;
  for (size_t i = 0; i < set.size(); ++i) {
    if (i + 2 < set.size() && set[i + 1] == '-') {
      hit |= k >= set[i] && k <= set[i + 2];
      i += 2;
    } else {
      hit |= k == set[i];
    }
  }
  return hit != step.negate;
}

// Whether step `s` consumes `k` (stars consume and stay; others move on).
bool Consumes(const Step& step, char k) {
  switch (step.kind) {
    case Step::kChar: return k == step.c;
    case Step::kAnyButSlash: return k != '/';
    case Step::kClass: return InClass(step, k);
    case Step::kStar: return k != '/';
    case Step::kDoubleStar: return true;
    case Step::kNever: return false;
  }
  return false;
}

// Adds state `i` and the states a star may skip to (a star matches nothing too).
void AddState(const std::vector<Step>& steps, std::vector<char>& states, size_t i) {
  for (; i <= steps.size() && !states[i]; ++i) {
    states[i] = 1;
    if (i == steps.size()) return;
    if (steps[i].kind != Step::kStar && steps[i].kind != Step::kDoubleStar) return;
  }
}

// Matches the whole `key`; when `at_any_tail`, also any tail of it after a '/'.
bool Run(const std::vector<Step>& steps, std::string_view key, bool at_any_tail) {
  std::vector<char> current(steps.size() + 1, 0);
  std::vector<char> next(steps.size() + 1, 0);
  AddState(steps, current, 0);
  for (size_t j = 0; j < key.size(); ++j) {
    std::fill(next.begin(), next.end(), 0);
    const char k = key[j];
    for (size_t i = 0; i < steps.size(); ++i) {
      if (!current[i] || !Consumes(steps[i], k)) continue;
      const bool stays = steps[i].kind == Step::kStar || steps[i].kind == Step::kDoubleStar;
      AddState(steps, next, stays ? i : i + 1);
    }
    // A tail after '/' starts a fresh match.
    if (at_any_tail && k == '/') AddState(steps, next, 0);
    current.swap(next);
    if (!at_any_tail && std::find(current.begin(), current.end(), 1) == current.end()) {
      return false;  // no state left alive
    }
  }
  return current[steps.size()] != 0;
}

}  // namespace

GlobPattern::GlobPattern(std::string_view pattern)
    : anchored_(pattern.starts_with('/')),
      steps_(Compile(anchored_ ? pattern.substr(1) : pattern)) {}

bool GlobPattern::Matches(std::string_view key) const { return Run(steps_, key, !anchored_); }

bool GlobMatch(std::string_view pattern, std::string_view key) {
  return GlobPattern(pattern).Matches(key);
}

bool KeyFilter::KeyIncluded(const std::string& key) const {
  if (skip_folder_markers_ && key.ends_with('/')) return false;
  if (!prefixes_.empty()) {
    bool under = false;
    for (const auto& p : prefixes_) under |= key.starts_with(p);
    if (!under) return false;
  }
  bool any_include = false;
  for (const auto& rule : rules_) {
    if (rule.glob.Matches(key)) return rule.include;
    any_include |= rule.include;
  }
  // With include rules, what none of them matched is out (rclone's implicit "- **").
  return !any_include;
}

bool KeyFilter::InTimeWindow(const store::ObjectEntry& entry) const {
  if (modified_after_ms_ && entry.mtime_ms < *modified_after_ms_) return false;
  if (modified_before_ms_ && entry.mtime_ms >= *modified_before_ms_) return false;
  return true;
}

Result<std::vector<std::string>> KeyFilter::ReadPrefixList(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("cannot read the prefix list '" + path + "'",
                                   "the file exists and is readable");
  }
  std::vector<std::string> prefixes;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    prefixes.push_back(line);
  }
  if (prefixes.empty()) {
    return Status::InvalidArgument("the prefix list '" + path + "' lists no prefix",
                                   "one prefix per line");
  }
  return prefixes;
}

}  // namespace ferry::engine
