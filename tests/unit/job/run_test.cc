// job::RunJob, the one entry of a run, on local folders (real stores, no
// network): what it tells its observer, and the bounds its setup draws.
#include "job/run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

namespace ferry::job {
namespace {

namespace fs = std::filesystem;

// Records what a run tells it.
class RecordingObserver final : public engine::RunObserver {
 public:
  void OnStart(const engine::RunCounters& counters) override {
    ++starts;
    live = &counters;
  }
  void OnDifference(const engine::Difference& d) override {
    std::lock_guard lock(mu);
    differences[d.key] = d.what;
  }
  void OnFailure(const engine::FailedObject& f) override {
    std::lock_guard lock(mu);
    failures.push_back(f.key);
  }
  void OnSkip(const std::string& where, const std::string& key, const std::string& why) override {
    std::lock_guard lock(mu);
    skipped.push_back(where + " " + key + " " + why);
  }
  void OnEnd() override {
    ++ends;
    listing_done_at_end = live != nullptr && live->listing_done;
  }

  std::mutex mu;
  int starts = 0, ends = 0;
  const engine::RunCounters* live = nullptr;
  bool listing_done_at_end = false;
  std::map<std::string, std::string> differences;
  std::vector<std::string> failures, skipped;
};

class RunJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::path(::testing::TempDir()) / ("run_job_" + std::to_string(rd()));
    fs::create_directories(root_ / "src");
    fs::create_directories(root_ / "dst");
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& rel, const std::string& body) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << body;
  }
  SyncSpec Spec(engine::RunMode mode) {
    SyncSpec spec;
    spec.mode = mode;
    spec.source = (root_ / "src").string();
    spec.destination = (root_ / "dst").string();
    return spec;
  }

  fs::path root_;
};

TEST_F(RunJobTest, ACheckTellsTheObserverEachDifferenceBetweenStartAndEnd) {
  Write("src/new.txt", "new");
  Write("src/same.txt", "same");
  Write("dst/same.txt", "same");
  Write("src/changed.txt", "12345");
  Write("dst/changed.txt", "1234567");
  Write("dst/extra.txt", "x");
  RecordingObserver observer;
  auto summary = RunJob(Spec(engine::RunMode::kCheck), {}, observer, {});
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(observer.starts, 1);
  EXPECT_EQ(observer.ends, 1);
  EXPECT_TRUE(observer.listing_done_at_end);
  EXPECT_EQ(summary->differences, 3u);
  ASSERT_EQ(observer.differences.size(), 3u);
  EXPECT_EQ(observer.differences["new.txt"], "missing in destination");
  EXPECT_EQ(observer.differences["extra.txt"], "only in destination");
  EXPECT_NE(observer.differences["changed.txt"].find("size"), std::string::npos)
      << observer.differences["changed.txt"];
  EXPECT_TRUE(observer.failures.empty());
  EXPECT_FALSE(fs::exists(root_ / "dst/new.txt"));  // a check changes nothing
}

TEST_F(RunJobTest, ASyncCopiesAndTellsTheObserverOfEachSkippedLink) {
  Write("src/a.txt", "a");
  Write("outside/secret.txt", "secret");
  fs::create_symlink(root_ / "outside/secret.txt", root_ / "src/link.txt");
  RecordingObserver observer;
  RunSetup setup;
  setup.state_dir = (root_ / "state").string();
  auto summary = RunJob(Spec(engine::RunMode::kSync), setup, observer, {});
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->copied, 1u);
  EXPECT_TRUE(fs::exists(root_ / "dst/a.txt"));
  EXPECT_FALSE(fs::exists(root_ / "dst/link.txt"));
  ASSERT_EQ(observer.skipped.size(), 1u);
  EXPECT_NE(observer.skipped[0].find("link.txt"), std::string::npos) << observer.skipped[0];
  EXPECT_NE(observer.skipped[0].find("symbolic link"), std::string::npos) << observer.skipped[0];
  EXPECT_TRUE(fs::exists(root_ / "state"));  // checkpoints where the setup said
}

TEST_F(RunJobTest, ADryRunOrCheckToAFolderNotMadeYetComparesWithAnEmptyOne) {
  Write("src/a.txt", "a");
  Write("src/d/b.txt", "b");
  for (engine::RunMode mode : {engine::RunMode::kCheck, engine::RunMode::kSync}) {
    SyncSpec spec = Spec(mode);
    spec.destination = (root_ / "not/made/yet").string();
    spec.dry_run = mode == engine::RunMode::kSync;
    RecordingObserver observer;
    auto summary = RunJob(spec, {}, observer, {});
    ASSERT_TRUE(summary.ok()) << summary.error().ToString();
    EXPECT_EQ(summary->differences, 2u);
    EXPECT_EQ(observer.differences["d/b.txt"], "missing in destination");
    EXPECT_FALSE(fs::exists(root_ / "not"));  // nothing made
  }
}

TEST_F(RunJobTest, AMissingSourceFolderIsAnErrorNotAnEmptySource) {
  SyncSpec spec = Spec(engine::RunMode::kSync);
  spec.source = (root_ / "typo").string();
  spec.delete_extra = true;
  Write("dst/keep.txt", "keep");
  RecordingObserver observer;
  auto summary = RunJob(spec, {}, observer, {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code(), Code::kNotFound) << summary.error().ToString();
  EXPECT_TRUE(fs::exists(root_ / "dst/keep.txt"));
}

TEST_F(RunJobTest, AFolderOutsideTheConfinementIsRefusedWithItsSide) {
  RunSetup setup;
  setup.confine_local_to = (root_ / "src").string();
  RecordingObserver observer;
  auto summary = RunJob(Spec(engine::RunMode::kCopy), setup, observer, {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().side(), Side::kDestination) << summary.error().ToString();
  EXPECT_NE(summary.error().ToString().find("outside"), std::string::npos);
  EXPECT_EQ(observer.starts, 0);  // refused before anything ran
}

TEST_F(RunJobTest, BadOptionsAreRefusedBeforeAnySideIsOpened) {
  SyncSpec spec = Spec(engine::RunMode::kSync);
  spec.transfers = 0;
  spec.source = "s3://";  // never reached: the option is checked first
  RecordingObserver observer;
  auto summary = RunJob(spec, {}, observer, {});
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.error().ToString().find("--transfers"), std::string::npos)
      << summary.error().ToString();
}

}  // namespace
}  // namespace ferry::job
