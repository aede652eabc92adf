// Task, Callback, Detach, TaskGroup and Schedule: the awaitables the engine's
// per-object pipeline is written with. Completions are delivered by hand, in
// the order a test chooses, as an HTTP loop delivers them out of order.
#include "core/task.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace ferry {
namespace {

// A request API that completes only when the test says so, in any order.
class ManualCompletions {
 public:
  Task<int> Fetch(int request) {
    co_return co_await Callback<int>([this, request](std::function<void(int)> done) {
      pending_.push_back([request, done = std::move(done)] { done(request * 10); });
    });
  }
  size_t pending() const { return pending_.size(); }
  void CompleteLast() {
    auto complete = std::move(pending_.back());
    pending_.pop_back();
    complete();
  }
  void CompleteFirst() {
    auto complete = std::move(pending_.front());
    pending_.pop_front();
    complete();
  }

 private:
  std::deque<std::function<void()>> pending_;
};

Task<int> Add(int a, int b) { co_return a + b; }

Task<int> SumOfAdds() {
  const int x = co_await Add(1, 2);
  const int y = co_await Add(x, 10);
  co_return y;
}

// A coroutine lambda's captures live in the closure, not in the frame: every
// closure here outlives its coroutine (named, never a temporary).
TEST(Task, IsLazyAndReturnsThroughNestedAwaits) {
  bool started = false;
  auto body = [&]() -> Task<int> {
    started = true;
    co_return 7;
  };
  auto task = body();
  EXPECT_FALSE(started);  // nothing runs until awaited or detached
  EXPECT_EQ(RunBlocking(std::move(task)), 7);
  EXPECT_TRUE(started);
  EXPECT_EQ(RunBlocking(SumOfAdds()), 13);
}

TEST(Task, ADeepChainOfSynchronousAwaitsDoesNotGrowTheStack) {
  // Symmetric transfer: 100,000 nested awaits completing at once must not
  // overflow the stack (each resumption would otherwise nest a frame). The
  // compiler makes that transfer a tail call only when optimizing: GCC at -O0
  // (the ASan build) nests a frame per await, so there the chain is shorter.
#if defined(__OPTIMIZE__)
  constexpr int kDepth = 100'000;
#else
  constexpr int kDepth = 1'000;
#endif
  std::function<Task<int>(int)> count = [&](int n) -> Task<int> {
    if (n == 0) co_return 0;
    co_return 1 + co_await count(n - 1);
  };
  EXPECT_EQ(RunBlocking(count(kDepth)), kDepth);
}

TEST(Callback, ACompletionDuringStartDoesNotSuspend) {
  auto task = []() -> Task<std::string> {
    co_return co_await Callback<std::string>(
        [](std::function<void(std::string)> done) { done("at once"); });
  };
  EXPECT_EQ(RunBlocking(task()), "at once");
}

TEST(Callback, OutOfOrderCompletionsResumeTheRightAwaiters) {
  ManualCompletions api;
  std::vector<std::pair<int, int>> results;  // (request, answer) in order of completion
  for (int request = 1; request <= 3; ++request) {
    Detach(api.Fetch(request), [&results, request](int answer) {
      results.emplace_back(request, answer);
    });
  }
  ASSERT_EQ(api.pending(), 3u);  // all three suspended, none answered
  EXPECT_TRUE(results.empty());
  api.CompleteLast();   // request 3
  api.CompleteFirst();  // request 1
  api.CompleteLast();   // request 2
  const std::vector<std::pair<int, int>> expected{{3, 30}, {1, 10}, {2, 20}};
  EXPECT_EQ(results, expected);
}

TEST(Callback, ACompletionRacingTheSuspensionIsDeliveredOnce) {
  // Another thread completes while await_suspend may still be running: whoever
  // comes second resumes, exactly once, with the value (ASan/UBSan run this too).
  auto await_thread_answer = [](int value) -> Task<int> {
    co_return co_await Callback<int>([value](std::function<void(int)> done) {
      std::thread([done = std::move(done), value] { done(value); }).detach();
    });
  };
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(RunBlocking(await_thread_answer(i)), i);
}

Task<void> FetchInto(ManualCompletions& api, std::vector<int>& answers, int part) {
  answers.push_back(co_await api.Fetch(part));
}

Task<void> AddTo(int& sum, int i) {
  sum += i;
  co_return;
}

TEST(TaskGroup, WaitResumesAfterTheLastChildInAnyOrder) {
  ManualCompletions api;
  std::vector<int> answers;
  bool waited = false;
  auto parent = [&]() -> Task<void> {
    TaskGroup group;
    for (int part = 1; part <= 4; ++part) {
      group.Spawn(FetchInto(api, answers, part));
    }
    co_await group.Wait();
    waited = true;
  };
  bool done = false;
  Detach(parent(), [&] { done = true; });
  ASSERT_EQ(api.pending(), 4u);
  api.CompleteLast();
  api.CompleteFirst();
  api.CompleteLast();
  EXPECT_FALSE(waited);  // one part still out
  api.CompleteFirst();
  EXPECT_TRUE(waited);
  EXPECT_TRUE(done);
  EXPECT_EQ(answers, (std::vector<int>{40, 10, 30, 20}));
}

TEST(TaskGroup, WaitWithChildrenThatFinishedAtOnceDoesNotSuspend) {
  auto parent = []() -> Task<int> {
    TaskGroup group;
    int sum = 0;
    for (int i = 1; i <= 3; ++i) {
      group.Spawn(AddTo(sum, i));
    }
    co_await group.Wait();
    co_return sum;
  };
  EXPECT_EQ(RunBlocking(parent()), 6);
}

TEST(Schedule, MovesTheCoroutineOntoThePool) {
  ThreadPool pool(1);
  const auto test_thread = std::this_thread::get_id();
  auto task = [&]() -> Task<bool> {
    co_await Schedule(pool);
    co_return std::this_thread::get_id() != test_thread;
  };
  EXPECT_TRUE(RunBlocking(task()));
}

}  // namespace
}  // namespace ferry
