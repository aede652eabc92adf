#include "engine/filter.h"

#include <fstream>

namespace ferry::engine {
namespace {

// Matches a whole `key` against `p`.
bool MatchHere(std::string_view p, std::string_view key) {
  while (!p.empty()) {
    if (p.starts_with("**")) {
      p.remove_prefix(2);
      for (size_t i = 0; i <= key.size(); ++i) {
        if (MatchHere(p, key.substr(i))) return true;
      }
      return false;
    }
    const char c = p.front();
    if (c == '*') {
      p.remove_prefix(1);
      for (size_t i = 0; i <= key.size(); ++i) {
        if (MatchHere(p, key.substr(i))) return true;
        if (i < key.size() && key[i] == '/') return false;
      }
      return false;
    }
    if (key.empty()) return false;
    if (c == '?') {
      if (key.front() == '/') return false;
    } else if (c == '[') {
      const size_t close = p.find(']', 1);
      if (close == std::string_view::npos) return false;
      std::string_view set = p.substr(1, close - 1);
      const bool negate = !set.empty() && (set.front() == '!' || set.front() == '^');
      if (negate) set.remove_prefix(1);
      bool hit = false;
      for (size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          hit |= key.front() >= set[i] && key.front() <= set[i + 2];
          i += 2;
        } else {
          hit |= key.front() == set[i];
        }
      }
      if (hit == negate) return false;
      p.remove_prefix(close);
    } else if (c == '\\' && p.size() > 1) {
      p.remove_prefix(1);
      if (p.front() != key.front()) return false;
    } else if (c != key.front()) {
      return false;
    }
    p.remove_prefix(1);
    key.remove_prefix(1);
  }
  return key.empty();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view key) {
  if (pattern.starts_with('/')) return MatchHere(pattern.substr(1), key);
  if (MatchHere(pattern, key)) return true;
  for (size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '/' && MatchHere(pattern, key.substr(i + 1))) return true;
  }
  return false;
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
    if (GlobMatch(rule.pattern, key)) return rule.include;
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
