#include "service/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "service/password.h"
#include "service/secret_box.h"

namespace ferry::service {
namespace {

namespace fs = std::filesystem;

// A scheduler over local folders: real database, runner and engine, no network.
class SchedulerTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    root_ = fs::path(testing::TempDir()) / ("scheduler_" + RandomHex(6));
    fs::create_directories(root_ / "src");
    fs::create_directories(root_ / "dst");
    for (int i = 0; i < 3; ++i) std::ofstream(root_ / "src" / ("f" + std::to_string(i))) << i;
    auto db = Database::Open((root_ / "ferry.db").string());
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    auto box = SecretBox::OpenKeyFile((root_ / "secret.key").string());
    ASSERT_TRUE(box.ok());
    box_.emplace(std::move(*box));
    tasks_ = std::make_unique<TaskStore>(*db_);
    credentials_ = std::make_unique<CredentialStore>(*db_, *box_);
    check_.local_root = fs::weakly_canonical(root_).string();
    check_.role_of = [](const std::string&) -> Result<Role> { return Role::kOperator; };
    runner_ = std::make_unique<TaskRunner>(root_.string(), check_, *credentials_, *tasks_);
  }

  void StartScheduler() {
    SchedulerOptions options;
    options.run_ended = [this](const Task&, const service::Run&) { ++runs_ended_; };
    scheduler_ = std::make_unique<Scheduler>(*tasks_, *runner_, options);
    ASSERT_TRUE(scheduler_->Start().ok());
  }

  Task MakeTask(const std::string& schedule) {
    Task t;
    t.id = RandomHex(8);
    t.spec.sync.source = (root_ / "src").string();
    t.spec.sync.destination = (root_ / "dst").string();
    t.spec.schedule = schedule;
    t.created_at = t.updated_at = NowSeconds();
    t.created_by = "tester";
    EXPECT_TRUE(tasks_->Insert(t).ok());
    return t;
  }

  // Polls the task until it is in `state` (the scheduler works on its own threads).
  Task WaitFor(const std::string& id, TaskState state) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto t = tasks_->Get(id);
      if (t.ok() && t->state == state) return *t;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "task " << id << " never became " << TaskStateName(state);
    return {};
  }

  fs::path root_;
  std::unique_ptr<Database> db_;
  std::optional<SecretBox> box_;
  std::unique_ptr<TaskStore> tasks_;
  std::unique_ptr<CredentialStore> credentials_;
  TaskCheckContext check_;
  std::unique_ptr<TaskRunner> runner_;
  std::atomic<int> runs_ended_{0};
  std::unique_ptr<Scheduler> scheduler_;  // last: stopped before what it uses
};

TEST_F(SchedulerTest, OneTimeTaskRunsToCompleted) {
  StartScheduler();
  Task t = MakeTask("once");
  auto started = scheduler_->StartTask(t.id);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(started->state, TaskState::kRunning);
  WaitFor(t.id, TaskState::kCompleted);
  auto runs = tasks_->ListRuns(t.id, 10);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].state, RunState::kCompleted);
  EXPECT_EQ((*runs)[0].progress.objects_done, 3u);
  EXPECT_TRUE(fs::exists(root_ / "dst" / "f2"));
  EXPECT_EQ(runs_ended_, 1);
}

TEST_F(SchedulerTest, RateTaskRunsAgainUntilStopped) {
  StartScheduler();
  Task t = MakeTask("rate(1 second)");
  ASSERT_TRUE(scheduler_->StartTask(t.id).ok());
  EXPECT_EQ(scheduler_->StartTask(t.id).status().code(), Code::kFailedPrecondition);
  Task waiting = WaitFor(t.id, TaskState::kWaiting);
  ASSERT_TRUE(waiting.next_run_at.has_value());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (tasks_->ListRuns(t.id, 10)->size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto stopped = scheduler_->StopTask(t.id);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->state, TaskState::kStopped);
  EXPECT_FALSE(stopped->next_run_at.has_value());
  auto runs = tasks_->ListRuns(t.id, 10);
  ASSERT_GE(runs->size(), 2u);
  EXPECT_EQ(runs->back().progress.objects_done, 3u);   // the first run copied everything
  EXPECT_EQ(runs->front().trigger, "schedule");
}

TEST_F(SchedulerTest, RunLeftRunningByACrashIsResumedOnStart) {
  Task t = MakeTask("once");
  t.state = TaskState::kRunning;
  ASSERT_TRUE(tasks_->Update(t).ok());
  service::Run crashed;
  crashed.id = "crashed-run";
  crashed.task_id = t.id;
  crashed.trigger = "start";
  crashed.started_at = NowSeconds();
  ASSERT_TRUE(tasks_->InsertRun(crashed).ok());

  StartScheduler();
  WaitFor(t.id, TaskState::kCompleted);
  auto runs = tasks_->ListRuns(t.id, 10);
  ASSERT_EQ(runs->size(), 1u);  // the same run, not a new one
  EXPECT_EQ((*runs)[0].id, "crashed-run");
  EXPECT_EQ((*runs)[0].resumes, 1);
  EXPECT_EQ((*runs)[0].state, RunState::kCompleted);
}

// A run that took the server down each time it was resumed (the security
// review's substr crash did) must end as failed, not be resumed forever.
TEST_F(SchedulerTest, ARunThatEndedTheProcessOnThreeResumesIsFailedNotResumed) {
  Task t = MakeTask("once");
  t.state = TaskState::kRunning;
  ASSERT_TRUE(tasks_->Update(t).ok());
  service::Run crashed;
  crashed.id = "crash-loop";
  crashed.task_id = t.id;
  crashed.trigger = "start";
  crashed.started_at = NowSeconds();
  ASSERT_TRUE(tasks_->InsertRun(crashed).ok());
  crashed.unclean_resumes = service::Run::kMaxUncleanResumes;
  crashed.resumes = 3;
  ASSERT_TRUE(tasks_->UpdateRun(crashed).ok());

  StartScheduler();
  Task failed = WaitFor(t.id, TaskState::kFailed);
  EXPECT_NE(failed.last_error.find("resumed 3 times in a row"), std::string::npos)
      << failed.last_error;
  auto run = tasks_->GetRun("crash-loop");
  EXPECT_EQ(run->state, RunState::kFailed);
  EXPECT_FALSE(fs::exists(root_ / "dst" / "f0"));  // not run again
  EXPECT_EQ(runs_ended_, 1);  // notified like any failed run
}

TEST_F(SchedulerTest, AResumeIsCountedBeforeItRunsAndClearedWhenItEnds) {
  Task t = MakeTask("once");
  t.state = TaskState::kRunning;
  ASSERT_TRUE(tasks_->Update(t).ok());
  service::Run crashed;
  crashed.id = "twice";
  crashed.task_id = t.id;
  crashed.trigger = "start";
  crashed.started_at = NowSeconds();
  ASSERT_TRUE(tasks_->InsertRun(crashed).ok());
  crashed.unclean_resumes = 2;  // below the bound: resumed once more
  ASSERT_TRUE(tasks_->UpdateRun(crashed).ok());
  StartScheduler();
  WaitFor(t.id, TaskState::kCompleted);
  auto run = tasks_->GetRun("twice");
  EXPECT_EQ(run->state, RunState::kCompleted);
  EXPECT_EQ(run->unclean_resumes, 0);
}

TEST_F(SchedulerTest, AFatalErrorFailsAOneTimeTaskWithTheReason) {
  StartScheduler();
  Task t = MakeTask("once");
  fs::remove_all(root_ / "src");  // the source folder is gone
  ASSERT_TRUE(scheduler_->StartTask(t.id).ok());
  Task failed = WaitFor(t.id, TaskState::kFailed);
  EXPECT_NE(failed.last_error.find("src"), std::string::npos) << failed.last_error;
  auto runs = tasks_->ListRuns(t.id, 10);
  EXPECT_EQ((*runs)[0].state, RunState::kFailed);
  EXPECT_EQ((*runs)[0].error, failed.last_error);
}

}  // namespace
}  // namespace ferry::service
