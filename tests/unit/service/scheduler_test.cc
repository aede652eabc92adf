#include "service/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "service/password.h"
#include "service/secret_box.h"
#include "unit/scratch_dir.h"

namespace ferry::service {
namespace {

namespace fs = std::filesystem;

// A clock the test sets. The scheduler's loop polls it (every few milliseconds of
// real time), so a schedule fires as soon as the test moves the time past it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now) : now_(now) {}
  int64_t NowSeconds() override { return now_.load(); }
  void WaitFor(CondVar& cv, MutexLock& lock, int64_t) override {
    ++waits_;
    cv.WaitFor(lock, std::chrono::milliseconds(2));
  }
  void Set(int64_t now) { now_ = now; }
  // Returns once the scheduler's loop has gone round twice: it has seen the time
  // as it is now and queued whatever was due.
  void LetTheLoopSee() {
    const int target = waits_ + 2;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (waits_ < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GE(waits_, target) << "the scheduler's loop stopped";
  }

 private:
  std::atomic<int64_t> now_;
  std::atomic<int> waits_{0};
};

// 2030-01-07 was a Monday.
int64_t Utc(int year, int month, int day, int hour, int minute, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

// A scheduler over local folders: real database, runner and engine, no network.
class SchedulerTest : public ::testing::Test {
 public:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    root_ = scratch_.path();
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

  // A scheduler on a clock the test sets. The fixture owns the clock so that it
  // outlives the scheduler's loop, which reads it until TearDown stops it.
  FakeClock& StartSchedulerAt(int64_t now) {
    fake_clock_ = std::make_unique<FakeClock>(now);
    StartScheduler(fake_clock_.get());
    return *fake_clock_;
  }

  void StartScheduler(Clock* clock = nullptr) {
    SchedulerOptions options;
    options.run_ended = [this](const Task&, const service::Run&) { ++runs_ended_; };
    options.clock = clock;
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

  // Polls the task until it is in `state` (the scheduler works on its own threads);
  // the deadline only bounds a test that would otherwise hang.
  Task WaitFor(const std::string& id, TaskState state) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto t = tasks_->Get(id);
      if (t.ok() && t->state == state) return *t;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "task " << id << " never became " << TaskStateName(state);
    return {};
  }

  // Polls until the task has `count` completed runs and is back to `state`.
  std::vector<service::Run> WaitForRuns(const std::string& id, size_t count, TaskState state) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto runs = tasks_->ListRuns(id, 100);
      auto t = tasks_->Get(id);
      if (runs.ok() && t.ok() && t->state == state &&
          std::count_if(runs->begin(), runs->end(), [](const service::Run& r) {
            return r.state == RunState::kCompleted;
          }) == static_cast<long>(count)) {
        return *runs;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "task " << id << " never had " << count << " completed runs";
    return {};
  }

  std::vector<service::Run> Runs(const std::string& id) { return *tasks_->ListRuns(id, 100); }
  Task Get(const std::string& id) { return *tasks_->Get(id); }

  ferry::testing::ScratchDir scratch_{"scheduler_"};  // first: removed after all below
  fs::path root_;
  std::unique_ptr<Database> db_;
  std::optional<SecretBox> box_;
  std::unique_ptr<TaskStore> tasks_;
  std::unique_ptr<CredentialStore> credentials_;
  TaskCheckContext check_;
  std::unique_ptr<TaskRunner> runner_;
  std::atomic<int> runs_ended_{0};
  std::unique_ptr<FakeClock> fake_clock_;
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
  const int64_t start = Utc(2030, 1, 7, 9, 0);
  FakeClock& clock = StartSchedulerAt(start);
  Task t = MakeTask("rate(1 hour)");
  ASSERT_TRUE(scheduler_->StartTask(t.id).ok());
  EXPECT_EQ(scheduler_->StartTask(t.id).status().code(), Code::kFailedPrecondition);
  WaitForRuns(t.id, 1, TaskState::kWaiting);
  EXPECT_EQ(tasks_->Get(t.id)->next_run_at, start + 3600);
  clock.Set(start + 3599);
  clock.LetTheLoopSee();
  EXPECT_EQ(tasks_->ListRuns(t.id, 10)->size(), 1u);  // not yet
  clock.Set(start + 3600);
  WaitForRuns(t.id, 2, TaskState::kWaiting);
  EXPECT_EQ(tasks_->Get(t.id)->next_run_at, start + 7200);
  auto stopped = scheduler_->StopTask(t.id);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->state, TaskState::kStopped);
  EXPECT_FALSE(stopped->next_run_at.has_value());
  auto runs = tasks_->ListRuns(t.id, 10);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(runs->back().progress.objects_done, 3u);   // the first run copied everything
  EXPECT_EQ(runs->front().trigger, "schedule");
  EXPECT_EQ(runs->front().started_at, start + 3600);
}

// A cron task fires at its matching minutes and at no other, through the scheduler's
// own loop, on the clock the test sets.
void ExpectCronFires(SchedulerTest& test, FakeClock& clock, const std::string& id,
                     int64_t first, int64_t second) {
  clock.Set(first - 1);
  clock.LetTheLoopSee();
  auto runs = test.Runs(id);
  EXPECT_TRUE(runs.empty()) << "fired before " << first;
  clock.Set(first);
  runs = test.WaitForRuns(id, 1, TaskState::kWaiting);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger, "schedule");
  EXPECT_EQ(runs[0].started_at, first);
  EXPECT_EQ(runs[0].progress.objects_done, 3u);
  EXPECT_EQ(test.Get(id).next_run_at, second);
  clock.Set(second - 1);
  clock.LetTheLoopSee();
  EXPECT_EQ(test.Runs(id).size(), 1u) << "fired again before " << second;
  clock.Set(second);
  runs = test.WaitForRuns(id, 2, TaskState::kWaiting);
  EXPECT_EQ(runs.front().started_at, second);
}

TEST_F(SchedulerTest, FiveFieldCronFiresThroughTheScheduler) {
  // Weekdays at 12:30: from Friday 2030-01-11 11:00, Friday 12:30 then Monday 12:30.
  FakeClock& clock = StartSchedulerAt(Utc(2030, 1, 11, 11, 0));
  Task t = MakeTask("30 12 * * 1-5");
  auto started = scheduler_->StartTask(t.id);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(started->state, TaskState::kWaiting);
  EXPECT_EQ(started->next_run_at, Utc(2030, 1, 11, 12, 30));
  ExpectCronFires(*this, clock, t.id, Utc(2030, 1, 11, 12, 30), Utc(2030, 1, 14, 12, 30));
}

TEST_F(SchedulerTest, AwsCronFiresThroughTheScheduler) {
  // 06:15 on the first of each month (AWS form: day-of-week '?').
  FakeClock& clock = StartSchedulerAt(Utc(2030, 1, 15, 0, 0));
  Task t = MakeTask("cron(15 6 1 * ? *)");
  auto started = scheduler_->StartTask(t.id);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(started->next_run_at, Utc(2030, 2, 1, 6, 15));
  ExpectCronFires(*this, clock, t.id, Utc(2030, 2, 1, 6, 15), Utc(2030, 3, 1, 6, 15));
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
