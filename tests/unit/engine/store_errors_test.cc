#include "store/store_errors.h"

#include <gtest/gtest.h>

namespace ferry::store {
namespace {

Status S3NotFound(const char* code) {
  return Status::NotFound("not found").WithServiceCode(code, 404);
}

TEST(StoreErrorsTest, RefusedKeysAndAMissingBucketEndTheRunAMissingObjectDoesNot) {
  EXPECT_TRUE(EndsTheRun(Status(Code::kUnauthenticated, "bad key")));
  EXPECT_TRUE(EndsTheRun(S3NotFound("NoSuchBucket")));
  EXPECT_FALSE(EndsTheRun(S3NotFound("NoSuchKey")));
  EXPECT_FALSE(EndsTheRun(Status::Unavailable("503")));
}

TEST(StoreErrorsTest, AMissingObjectIsNotAMissingBucket) {
  EXPECT_TRUE(IsMissingObject(S3NotFound("NoSuchKey")));
  EXPECT_TRUE(IsMissingObject(Status::NotFound("no such file")));  // a folder's
  EXPECT_FALSE(IsMissingObject(S3NotFound("NoSuchBucket")));
}

TEST(StoreErrorsTest, OnlyAGoneUploadIsAMissingUpload) {
  EXPECT_TRUE(IsMissingUpload(S3NotFound("NoSuchUpload")));
  EXPECT_FALSE(IsMissingUpload(S3NotFound("NoSuchKey")));
  EXPECT_FALSE(IsMissingUpload(Status(Code::kFailedPrecondition, "x").WithServiceCode(
      "NoSuchUpload", 412)));
}

}  // namespace
}  // namespace ferry::store
