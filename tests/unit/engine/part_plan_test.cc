#include "engine/part_plan.h"

#include <gtest/gtest.h>

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

TEST(PlanFromLayout, ReproducesOnlyUniformValidLayouts) {
  testing::MemoryStore s3_like;
  PartPlan same = PlanFromLayout(25 * 8 * kMiB, {8 * kMiB, 25}, s3_like);
  EXPECT_EQ(same.parts, 25);
  EXPECT_EQ(same.part_size, 8 * kMiB);
  EXPECT_EQ(PlanFromLayout(100 * kMiB, {8 * kMiB, 25}, s3_like).parts, 0);  // not uniform
  EXPECT_EQ(PlanFromLayout(8 * kMiB, {4 * kMiB, 2}, s3_like).parts, 0);      // below 5 MiB
}

}  // namespace
}  // namespace ferry::engine
