#include "state/sqlite_checkpoint_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace ferry::state {
namespace {

class SqliteCheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-state-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteCheckpointStore> Open(const std::string& run) {
    auto store = SqliteCheckpointStore::Open(dir_.string(), run);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Read with SQLite itself, not through the store under test.
  int FailureRows() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / "state.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM failures", -1, &stmt, nullptr);
    const int rows = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
  }

  std::filesystem::path dir_;
};

TEST_F(SqliteCheckpointStoreTest, UploadAndItsPartsSurviveAReopen) {
  {
    auto store = Open("a->b");
    ASSERT_TRUE(store->SaveUpload({"big.bin", "upload-1", 100, 10, "etag-1"}).ok());
    ASSERT_TRUE(store->SavePart("big.bin", {2, "e2", "m2"}).ok());
    ASSERT_TRUE(store->SavePart("big.bin", {1, "e1", "m1"}).ok());
  }
  auto store = Open("a->b");
  auto found = store->FindUpload("big.bin");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->upload_id, "upload-1");
  EXPECT_EQ((*found)->source_etag, "etag-1");
  auto parts = store->Parts("big.bin");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  // Another pair of buckets sharing the folder sees none of it.
  auto other = Open("a->c");
  auto none = other->FindUpload("big.bin");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SqliteCheckpointStoreTest, FailureRecordedByOneRunIsClearedByTheNextThatCopiesTheKey) {
  {
    auto store = Open("a->b");
    ASSERT_TRUE(store->RecordFailure({"k1", 5, "boom"}).ok());
    ASSERT_TRUE(store->RecordFailure({"k2", 5, "boom"}).ok());
    ASSERT_TRUE(store->ClearFailure("never-failed").ok());
  }
  EXPECT_EQ(FailureRows(), 2);
  auto store = Open("a->b");  // a new process: it learns the failures from the file
  ASSERT_TRUE(store->ClearFailure("k1").ok());
  EXPECT_EQ(FailureRows(), 1);
  auto other_run = Open("a->c");
  ASSERT_TRUE(other_run->ClearFailure("k2").ok());  // not this run's record
  EXPECT_EQ(FailureRows(), 1);
  ASSERT_TRUE(store->ClearFailure("k2").ok());
  EXPECT_EQ(FailureRows(), 0);
}

TEST_F(SqliteCheckpointStoreTest, AnUploadAttemptKeepsTheEarliestTimeUntilRemoved) {
  {
    auto store = Open("a -> b");
    auto first = store->SaveUploadAttempt({"big.bin", 100});
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(*first);
    // A retry of the same key: not recorded again, the first time stays.
    auto again = store->SaveUploadAttempt({"big.bin", 200});
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
  }
  auto reopened = Open("a -> b");  // after a crash, the next run sees it
  auto attempts = reopened->UploadAttempts();
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].key, "big.bin");
  EXPECT_EQ((*attempts)[0].since_unix, 100);
  auto other_run = Open("a -> c");
  EXPECT_TRUE(other_run->UploadAttempts()->empty());
  ASSERT_TRUE(reopened->RemoveUploadAttempt("big.bin").ok());
  EXPECT_TRUE(reopened->UploadAttempts()->empty());
}

}  // namespace
}  // namespace ferry::state
