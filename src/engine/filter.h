// Which keys a run considers: --include/--exclude globs (first match wins, as in
// rclone), --prefix-list, --modified-after/--modified-before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/object_store.h"

namespace ferry::engine {

// Glob on keys: '*' and '?' stop at '/', '**' crosses it, '[a-z]' classes.
// A pattern starting with '/' is anchored at the root; otherwise it may match
// the key or any tail of it after a '/' ("*.jpg" matches "a/b.jpg").
bool GlobMatch(std::string_view pattern, std::string_view key);

// A glob compiled once, matched by a set-of-states automaton (Thompson's NFA):
// each key costs O(|pattern| × |key|) whatever the pattern, so no --include can
// make a run backtrack for minutes ("a*a*a*...b" against "aaa...a").
class GlobPattern {
 public:
  explicit GlobPattern(std::string_view pattern);
  bool Matches(std::string_view key) const;

  struct Step {
    enum Kind { kChar, kAnyButSlash, kClass, kStar, kDoubleStar, kNever } kind;
    char c = 0;           // kChar
    std::string set;      // kClass: the characters and ranges between '[' and ']'
    bool negate = false;  // kClass
  };

 private:
  bool anchored_;
  std::vector<Step> steps_;
};

class KeyFilter {
 public:
  void AddRule(bool include, const std::string& pattern) {
    rules_.push_back({include, GlobPattern(pattern)});
  }
  void SetPrefixes(std::vector<std::string> prefixes) { prefixes_ = std::move(prefixes); }
  void SetModifiedAfter(int64_t ms) { modified_after_ms_ = ms; }
  void SetModifiedBefore(int64_t ms) { modified_before_ms_ = ms; }
  // Leaves out keys ending in '/' (for destinations that cannot store them).
  void SkipFolderMarkers() { skip_folder_markers_ = true; }

  // Key-only rules: used on both sides, so an excluded key is neither copied nor deleted.
  bool KeyIncluded(const std::string& key) const;
  // The --modified-after/--modified-before window, for source objects.
  bool InTimeWindow(const store::ObjectEntry& entry) const;

  // Reads a --prefix-list file: one prefix per line; blank lines and '#' comments skipped.
  static Result<std::vector<std::string>> ReadPrefixList(const std::string& path);

 private:
  struct Rule {
    bool include;
    GlobPattern glob;
  };
  std::vector<Rule> rules_;
  std::vector<std::string> prefixes_;
  std::optional<int64_t> modified_after_ms_;
  std::optional<int64_t> modified_before_ms_;
  bool skip_folder_markers_ = false;
};

}  // namespace ferry::engine
