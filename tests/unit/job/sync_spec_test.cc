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

TEST(MakeRunOptions, MultipartThresholdAboveTheSinglePutLimitIsRefused) {
  SyncSpec spec;
  spec.multipart_threshold = "5G";
  auto at_limit = MakeRunOptions(spec);
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->transfer.multipart_threshold, uint64_t{5} << 30);

  spec.multipart_threshold = "6G";
  auto over = MakeRunOptions(spec);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), Code::kInvalidArgument);
  EXPECT_NE(over.error().message().find("--multipart-threshold 6G"), std::string::npos)
      << over.error().ToString();
}

}  // namespace
}  // namespace ferry::job
