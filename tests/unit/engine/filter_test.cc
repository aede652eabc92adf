#include "engine/filter.h"

#include <gtest/gtest.h>

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
