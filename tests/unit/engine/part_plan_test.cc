#include "engine/part_plan.h"

#include <gtest/gtest.h>

#include "core/md5.h"
#include "unit/engine/memory_store.h"

namespace ferry::engine {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(PlanParts, FiveTebibytesFitInTenThousandParts) {
  testing::MemoryStore s3_like;
  const uint64_t size = uint64_t{5} << 40;
  PartPlan plan = PlanParts(size, 0, s3_like);
  EXPECT_LE(plan.parts, 10000);
  EXPECT_GE(plan.part_size * plan.parts, size);
  EXPECT_EQ(plan.part_size % kMiB, 0u);
  EXPECT_LE(plan.part_size, uint64_t{5} << 30);
}

TEST(PlanParts, BoundariesAndLastPart) {
  testing::MemoryStore s3_like;
  PartPlan exact = PlanParts(32 * kMiB, 16 * kMiB, s3_like);
  EXPECT_EQ(exact.parts, 2);
  EXPECT_EQ(exact.Length(2, 32 * kMiB), 16 * kMiB);
  PartPlan over = PlanParts(32 * kMiB + 1, 16 * kMiB, s3_like);
  EXPECT_EQ(over.parts, 3);
  EXPECT_EQ(over.Length(3, 32 * kMiB + 1), 1u);
  EXPECT_EQ(over.Offset(3), 32 * kMiB);
  EXPECT_EQ(PlanParts(0, 0, s3_like).parts, 1);
  EXPECT_EQ(PlanParts(1, kMiB, s3_like).part_size, 5 * kMiB);  // raised to S3's minimum
}

TEST(PlanFromSizes, UniformSizesGiveAUniformPlanAndOthersKeepTheirOffsets) {
  PartPlan uniform = PlanFromSizes(21 * kMiB, {8 * kMiB, 8 * kMiB, 5 * kMiB});
  EXPECT_EQ(uniform.parts, 3);
  EXPECT_EQ(uniform.part_size, 8 * kMiB);
  EXPECT_TRUE(uniform.starts.empty());
  EXPECT_EQ(uniform.Length(3, 21 * kMiB), 5 * kMiB);

  PartPlan uneven = PlanFromSizes(29 * kMiB, {8 * kMiB, 5 * kMiB, 8 * kMiB, 8 * kMiB});
  ASSERT_EQ(uneven.parts, 4);
  EXPECT_EQ(uneven.Offset(3), 13 * kMiB);
  EXPECT_EQ(uneven.Length(2, 29 * kMiB), 5 * kMiB);
  EXPECT_EQ(uneven.Length(4, 29 * kMiB), 8 * kMiB);

  EXPECT_EQ(PlanFromSizes(30 * kMiB, {8 * kMiB, 8 * kMiB}).parts, 0);  // does not add up
  EXPECT_EQ(PlanFromSizes(0, {}).parts, 0);
}

TEST(FitsStore, RefusesPartsOutsideTheDestinationsLimits) {
  testing::MemoryStore s3_like;
  EXPECT_TRUE(FitsStore(PlanFromSizes(13 * kMiB, {8 * kMiB, 5 * kMiB}), 13 * kMiB, s3_like));
  EXPECT_TRUE(FitsStore(PlanFromSizes(9 * kMiB, {8 * kMiB, kMiB}), 9 * kMiB, s3_like));
  EXPECT_FALSE(FitsStore(PlanFromSizes(8 * kMiB, {4 * kMiB, 4 * kMiB}), 8 * kMiB, s3_like));
  EXPECT_FALSE(FitsStore(PartPlan{}, 1, s3_like));
}

TEST(EtagPartCount, ReadsTheSuffixOfMultipartEtagsOnly) {
  EXPECT_EQ(EtagPartCount("0123456789abcdef0123456789abcdef-25"), 25);
  EXPECT_EQ(EtagPartCount("0123456789abcdef0123456789abcdef"), 0);
  EXPECT_EQ(EtagPartCount("abc-"), 0);
  EXPECT_EQ(EtagPartCount("abc-x1"), 0);
  EXPECT_EQ(EtagPartCount("abc-0"), 0);
}

TEST(MultipartEtag, IsTheMd5OfThePartsMd5sAndTheirCount) {
  const std::string digests = Md5::Digest("hello ") + Md5::Digest("world");
  EXPECT_EQ(MultipartEtag(digests, 2), "e09e4fd6265b36115fe3db32df945d84-2");  // hashlib
  EXPECT_EQ(EtagPartCount(MultipartEtag(digests, 2)), 2);
}

// Answers HEAD ?partNumber=N from a list of part sizes, counting the requests.
class PartsStore final : public testing::UnsupportedStore {
 public:
  explicit PartsStore(std::vector<uint64_t> sizes) : sizes_(std::move(sizes)) {}
  Result<store::PartInfo> HeadPart(const std::string&, int n, std::stop_token) override {
    ++heads;
    if (n < 1 || n > static_cast<int>(sizes_.size())) return Status::InvalidArgument("InvalidPart");
    return store::PartInfo{sizes_[static_cast<size_t>(n - 1)], static_cast<int>(sizes_.size())};
  }
  int heads = 0;

 private:
  std::vector<uint64_t> sizes_;
};

const std::string kMd5 = "0123456789abcdef0123456789abcdef";

TEST(LearnLayout, AUniformLayoutCostsTwoRequests) {
  PartsStore store(std::vector<uint64_t>(9, 16 * kMiB));
  auto plan = LearnLayout(store, "k", 9 * 16 * kMiB, kMd5 + "-9", {});
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(plan->parts, 9);
  EXPECT_EQ(plan->part_size, 16 * kMiB);
  EXPECT_EQ(store.heads, 2);
}

TEST(LearnLayout, PartsOfDifferentSizesAreAskedOneByOne) {
  PartsStore store({8 * kMiB, 5 * kMiB, 8 * kMiB, 8 * kMiB});
  auto plan = LearnLayout(store, "k", 29 * kMiB, kMd5 + "-4", {});
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(plan->Length(2, 29 * kMiB), 5 * kMiB);
  EXPECT_EQ(plan->Offset(4), 21 * kMiB);
  EXPECT_EQ(store.heads, 4);
}

TEST(LearnLayout, AnswersThatContradictTheEtagOrTheSizeAreRefused) {
  PartsStore three({8 * kMiB, 8 * kMiB, 5 * kMiB});
  auto wrong_count = LearnLayout(three, "k", 21 * kMiB, kMd5 + "-4", {});
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.error().code(), Code::kDataLoss);
  auto wrong_size = LearnLayout(three, "k", 22 * kMiB, kMd5 + "-3", {});
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_EQ(wrong_size.error().code(), Code::kDataLoss);
  testing::MemoryStore tells_nothing;
  auto unknown = LearnLayout(tells_nothing, "k", 21 * kMiB, kMd5 + "-3", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), Code::kNotSupported);
  EXPECT_EQ(LearnLayout(three, "k", 21 * kMiB, kMd5, {}).error().code(), Code::kNotSupported);
}

}  // namespace
}  // namespace ferry::engine
