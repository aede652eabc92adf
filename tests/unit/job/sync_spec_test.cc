#include "job/sync_spec.h"

#include <gtest/gtest.h>

namespace ferry::job {
namespace {

Result<engine::RunOptions> WithMaxDelete(const std::string& text) {
  SyncSpec spec;
  spec.max_delete = text;
  return MakeRunOptions(spec);
}

TEST(MakeRunOptions, MaxDeleteIsACountOrAPercentage) {
  auto count = WithMaxDelete("1000");
  ASSERT_TRUE(count.ok()) << count.error().ToString();
  EXPECT_EQ(count->max_delete_count, 1000u);
  EXPECT_FALSE(count->max_delete_percent.has_value());

  auto percent = WithMaxDelete("12.5%");
  ASSERT_TRUE(percent.ok()) << percent.error().ToString();
  EXPECT_EQ(percent->max_delete_percent, 12.5);
  EXPECT_FALSE(percent->max_delete_count.has_value());
}

TEST(MakeRunOptions, MaxDeleteOutOfRangeOrMalformedIsRefused) {
  for (const char* bad : {"200%", "-1", "1.5", "64M", "abc", "%", "10%%"}) {
    auto r = WithMaxDelete(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().ToString();
  }
}

}  // namespace
}  // namespace ferry::job
