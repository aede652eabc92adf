#include "job/units.h"

#include <gtest/gtest.h>

namespace ferry::job {
namespace {

TEST(ParseSize, UnitsAndFractions) {
  EXPECT_EQ(*ParseSize("5242880", "--x"), 5242880u);
  EXPECT_EQ(*ParseSize("64M", "--x"), uint64_t{64} << 20);
  EXPECT_EQ(*ParseSize("64MiB", "--x"), uint64_t{64} << 20);
  EXPECT_EQ(*ParseSize("64mb", "--x"), uint64_t{64} << 20);
  EXPECT_EQ(*ParseSize("1.5G", "--x"), uint64_t{3} << 29);
  EXPECT_EQ(*ParseSize("100k", "--x"), 102400u);
  EXPECT_EQ(*ParseSize("0", "--x"), 0u);
  EXPECT_EQ(*ParseSize("1T", "--x"), uint64_t{1} << 40);
}

// The security review's cases: 1e400 (infinity) and nan were accepted, and a
// huge value overflowed the conversion (undefined behaviour).
TEST(ParseSize, OnlyTheStrictGrammarInRange) {
  for (const char* bad : {"1e400", "1e3", "nan", "inf", "-1", "+1", " 1", "1 ", "0x10", "",
                          ".5", "5.", "1.5.5", "1Q", "M", "18446744073709551616",
                          "99999999999999999999T", "16777216T", "1.0000000001G"}) {
    auto r = ParseSize(bad, "--bwlimit");
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message().find("--bwlimit"), std::string::npos) << r.error().ToString();
  }
}

TEST(ParseSize, RangeIsChecked) {
  auto zero = ParseSize("0", "--memory", uint64_t{5} << 20);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().ToString().find("--memory '0' is out of range"), std::string::npos)
      << zero.error().ToString();
  EXPECT_TRUE(ParseSize("5M", "--memory", uint64_t{5} << 20).ok());
  EXPECT_FALSE(ParseSize("2G", "--x", 0, uint64_t{1} << 30).ok());
}

TEST(ParseDeleteLimit, CountsAndPercentages) {
  EXPECT_EQ(ParseDeleteLimit("1000", "--max-delete")->count, 1000u);
  EXPECT_EQ(ParseDeleteLimit("12.5%", "--max-delete")->percent, 12.5);
  EXPECT_EQ(ParseDeleteLimit("0%", "--max-delete")->percent, 0.0);
  EXPECT_EQ(ParseDeleteLimit("100%", "--max-delete")->percent, 100.0);
  // "nan%" switched the limit off; the rest were other ways past the grammar.
  for (const char* bad : {"nan%", "inf%", "-0%", "100.5%", "101%", "1e2%", "1.5", "%", "10%%",
                          "", "1e400", "99999999999999999999"}) {
    auto r = ParseDeleteLimit(bad, "--max-delete");
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_NE(r.error().message().find("--max-delete"), std::string::npos);
  }
}

}  // namespace
}  // namespace ferry::job
