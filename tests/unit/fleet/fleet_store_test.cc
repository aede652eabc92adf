#include "state/fleet_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace ferry::state {
namespace {

class FleetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-fleet-store-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = FleetStore::Open(dir_.string()).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::unique_ptr<FleetStore> store_;
};

TEST_F(FleetStoreTest, ARunResumesUntilFinished) {
  ASSERT_FALSE(store_->FindRun("a -> b").value().has_value());
  ASSERT_TRUE(store_->StartRun("a -> b", "r1").ok());
  ASSERT_TRUE(store_->SetResumeKey("a -> b", "k\x01\xff").ok());
  auto run = store_->FindRun("a -> b").value();
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->run_id, "r1");
  EXPECT_TRUE(run->resume_set);
  EXPECT_EQ(run->resume_key, "k\x01\xff");
  EXPECT_FALSE(run->planned);
  ASSERT_TRUE(store_->SetPlanned("a -> b").ok());
  EXPECT_TRUE(store_->FindRun("a -> b").value()->planned);
  ASSERT_TRUE(store_->FinishRun("a -> b", "completed").ok());
  EXPECT_FALSE(store_->FindRun("a -> b").value().has_value());
}

TEST_F(FleetStoreTest, PendingItemsAreForgottenSentOnesCounted) {
  FleetItemRecord a{"i1", "objects", 10, 100};
  FleetItemRecord b{"i2", "parts", 0, 50, "big"};
  a.state = b.state = ItemState::kPending;
  ASSERT_TRUE(store_->AddItems("r", {a, b}).ok());
  ASSERT_TRUE(store_->MarkSent("r").ok());
  FleetItemRecord c{"i3", "objects", 1, 1};
  c.state = ItemState::kPending;
  ASSERT_TRUE(store_->AddItems("r", {c}).ok());
  ASSERT_TRUE(store_->ForgetPending("r").ok());  // i3 was never sent
  auto item = store_->GetItem("r", "i1").value();
  ASSERT_TRUE(item.has_value());
  item->state = ItemState::kDone;
  item->copied = 9;
  item->same = 1;
  ASSERT_TRUE(store_->UpdateItem("r", *item).ok());
  auto t = store_->Totals("r").value();
  EXPECT_EQ(t.items, 2u);
  EXPECT_EQ(t.done, 1u);
  EXPECT_EQ(t.copied, 9u);
  EXPECT_EQ(store_->ItemsOfUpload("r", "big").value().size(), 1u);
  EXPECT_EQ(store_->OpenItems("r", 10).value(), std::vector<std::string>{"i2"});
}

TEST_F(FleetStoreTest, UploadsAndFailures) {
  ASSERT_TRUE(store_->AddUpload("r", {"big", "u1", 25, "e-3", 3, "open"}).ok());
  EXPECT_EQ(store_->Totals("r").value().uploads_open, 1u);
  ASSERT_TRUE(store_->SetUploadState("r", "big", "completed").ok());
  auto t = store_->Totals("r").value();
  EXPECT_EQ(t.uploads_open, 0u);
  EXPECT_EQ(t.uploads_completed, 1u);
  EXPECT_EQ(store_->GetUpload("r", "big").value()->upload_id, "u1");
  ASSERT_TRUE(store_->AddFailure("r", "k2", 5, "second").ok());
  ASSERT_TRUE(store_->AddFailure("r", "k1", 5, "first").ok());
  ASSERT_TRUE(store_->AddFailure("r", "k1", 5, "again").ok());
  auto failures = store_->Failures("r", 10).value();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(std::get<0>(failures[0]), "k1");
  EXPECT_EQ(std::get<2>(failures[0]), "again");
  ASSERT_TRUE(store_->ClearFailure("r", "k1").ok());
  EXPECT_EQ(store_->FailureCount("r").value(), 1u);
}

}  // namespace
}  // namespace ferry::state
