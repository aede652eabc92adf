#include "engine/filter.h"

#include <gtest/gtest.h>

#include <chrono>

namespace ferry::engine {
namespace {

TEST(GlobMatch, RcloneRules) {
  EXPECT_TRUE(GlobMatch("*.jpg", "a.jpg"));
  EXPECT_TRUE(GlobMatch("*.jpg", "dir/sub/a.jpg"));   // unanchored: matches at any depth
  EXPECT_FALSE(GlobMatch("/*.jpg", "dir/a.jpg"));     // anchored at the root
  EXPECT_TRUE(GlobMatch("/*.jpg", "a.jpg"));
  EXPECT_FALSE(GlobMatch("dir/*", "dir/a/b"));        // '*' stops at '/'
  EXPECT_TRUE(GlobMatch("dir/**", "dir/a/b"));        // '**' crosses it
  EXPECT_TRUE(GlobMatch("file?.txt", "file1.txt"));
  EXPECT_FALSE(GlobMatch("file?.txt", "file/.txt"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GlobMatch("[!a-c]x", "bx"));
  EXPECT_TRUE(GlobMatch("literal\\*", "literal*"));
}

TEST(GlobMatch, EdgeCasesKeepTheirMeaning) {
  EXPECT_TRUE(GlobMatch("**", ""));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(GlobMatch("a**b", "a/x/b"));
  EXPECT_FALSE(GlobMatch("a*b", "a/x/b"));
  EXPECT_TRUE(GlobMatch("b", "x/y/b"));           // any tail after '/'
  EXPECT_FALSE(GlobMatch("b", "x/yb"));
  EXPECT_FALSE(GlobMatch("[abc", "a"));           // an unclosed class matches nothing
  EXPECT_TRUE(GlobMatch("[^/]x", "ax"));
  EXPECT_TRUE(GlobMatch("x\\", "x\\"));           // a trailing backslash is literal
  EXPECT_TRUE(GlobMatch("*/*.jpg", "a/b/c.jpg"));
  EXPECT_FALSE(GlobMatch("/*/*.jpg", "a/b/c.jpg"));
}

// The security review's case: 29 characters against one 60-character name took
// 10 minutes of CPU with the backtracking matcher. Linear now: well under a second
// (the bound is generous on purpose; it measures complexity, not speed).
TEST(GlobMatch, PathologicalPatternsFinishInUnderASecond) {
  std::string pattern;
  for (int i = 0; i < 14; ++i) pattern += "a*";
  pattern += "b";
  ASSERT_EQ(pattern.size(), 29u);
  const std::string name(60, 'a');
  const std::string doubled = [] {
    std::string p;
    for (int i = 0; i < 9; ++i) p += "a**";
    return p + "b";
  }();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(pattern, name));
  EXPECT_FALSE(GlobMatch(doubled, name + "/" + name));
  EXPECT_TRUE(GlobMatch(pattern.substr(0, 28), name));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST(KeyFilter, FirstMatchWinsAndIncludesImplyExcludeTheRest) {
  KeyFilter f;
  f.AddRule(false, "secret/**");
  f.AddRule(true, "*.jpg");
  EXPECT_TRUE(f.KeyIncluded("a/b.jpg"));
  EXPECT_FALSE(f.KeyIncluded("secret/b.jpg"));
  EXPECT_FALSE(f.KeyIncluded("a/b.txt"));
  KeyFilter only_excludes;
  only_excludes.AddRule(false, "*.tmp");
  EXPECT_TRUE(only_excludes.KeyIncluded("a/b.txt"));
}

TEST(KeyFilter, PrefixesAndTimeWindow) {
  KeyFilter f;
  f.SetPrefixes({"2026/01/", "logs/"});
  EXPECT_TRUE(f.KeyIncluded("logs/x"));
  EXPECT_FALSE(f.KeyIncluded("2026/02/x"));
  f.SetModifiedAfter(100);
  f.SetModifiedBefore(200);
  EXPECT_TRUE(f.InTimeWindow({"k", 1, "", 150, ""}));
  EXPECT_FALSE(f.InTimeWindow({"k", 1, "", 200, ""}));
  EXPECT_FALSE(f.InTimeWindow({"k", 1, "", 99, ""}));
}

TEST(KeyFilter, PrefixListFileErrorsNameTheFile) {
  auto missing = KeyFilter::ReadPrefixList("/nonexistent/prefixes.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/prefixes.txt"), std::string::npos);
}

}  // namespace
}  // namespace ferry::engine
