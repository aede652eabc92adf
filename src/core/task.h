// Coroutines for work driven by completions (STYLE.md, "concurrency you can
// see"): an object's copy is written top to bottom, and each co_await of a
// request suspends it without holding a thread, to be resumed by the completion
// on the HTTP loop's thread. Errors are values (Status/Result), never exceptions.
//
//   Task<Result<std::string>> CopyOne(...) {
//     auto meta = co_await store.ReadAsync(...);   // no thread waits here
//     co_await Schedule(hash_pool);                // CPU work off the loop
//     ...
//   }
//
// A Task is lazy: it starts when awaited, or when handed to Detach.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdlib>
#include <functional>
#include <future>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/mutex.h"
#include "core/thread_pool.h"

namespace ferry {

template <typename T>
class Task;

namespace internal {

// At the end of a task, control passes to whoever awaited it.
struct FinalAwaiter {
  bool await_ready() noexcept { return false; }
  template <typename Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
    std::coroutine_handle<> next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() noexcept {}
};

struct PromiseBase {
  std::coroutine_handle<> continuation;
  std::suspend_always initial_suspend() noexcept { return {}; }
  FinalAwaiter final_suspend() noexcept { return {}; }
  // ferry reports errors as values; an exception escaping a coroutine is a bug.
  void unhandled_exception() noexcept { std::abort(); }
};

template <typename T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() { return std::move(*value); }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {}
};

}  // namespace internal

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = internal::Promise<T>;

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    handle_.promise().continuation = caller;
    return handle_;  // symmetric transfer: start the task on this thread
  }
  T await_resume() { return handle_.promise().take(); }

 private:
  friend struct internal::Promise<T>;
  explicit Task(std::coroutine_handle<promise_type> h) : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

namespace internal {

template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}

// A coroutine that owns itself: started at once, its frame freed at its end.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::abort(); }
  };
};

}  // namespace internal

// Runs `task` to its end with nobody awaiting it, then calls `done` with its result.
template <typename T, typename Done>
internal::Detached Detach(Task<T> task, Done done) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
    done();
  } else {
    done(co_await std::move(task));
  }
}

// Runs `task` to its end on this thread and whatever threads it moves to, and
// returns its result. REQUIRES: not called on a thread the task needs to resume
// on (the HTTP loop's): for tests and one-off command-line calls.
template <typename T>
T RunBlocking(Task<T> task) {
  std::promise<T> promise;
  auto future = promise.get_future();
  Detach(std::move(task), [&promise](T value) { promise.set_value(std::move(value)); });
  return future.get();
}

// Awaits an API that reports through a callback: `start(done)` must call done(T)
// exactly once, from any thread, possibly before `start` returns.
template <typename T>
class Callback {
 public:
  explicit Callback(std::function<void(std::function<void(T)>)> start)
      : start_(std::move(start)) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) {
    handle_ = h;
    start_([this](T value) {
      result_.emplace(std::move(value));
      // Whoever comes second carries on: here, the completion resumes the coroutine.
      if (arrived_.exchange(true, std::memory_order_acq_rel)) handle_.resume();
    });
    // The completion came first (during start): carry on without suspending.
    return !arrived_.exchange(true, std::memory_order_acq_rel);
  }
  T await_resume() { return std::move(*result_); }

 private:
  std::function<void(std::function<void(T)>)> start_;
  std::coroutine_handle<> handle_;
  std::optional<T> result_;
  std::atomic<bool> arrived_{false};
};

// Moves the awaiting coroutine onto `pool` (CPU work off the HTTP loop's thread).
class Schedule {
 public:
  explicit Schedule(ThreadPool& pool) : pool_(pool) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    pool_.Submit([h] { h.resume(); });
  }
  void await_resume() const noexcept {}

 private:
  ThreadPool& pool_;
};

// Child tasks started together and awaited together (the parts of one object).
class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Starts `task` now.
  void Spawn(Task<void> task) {
    {
      MutexLock lock(mu_);
      ++running_;
    }
    Detach(std::move(task), [this] { Finished(); });
  }

  // Resumes once every spawned task has ended. REQUIRES: awaited once, after the last Spawn.
  auto Wait() {
    struct Awaiter {
      TaskGroup& group;
      bool await_ready() const noexcept { return false; }
      bool await_suspend(std::coroutine_handle<> h) {
        MutexLock lock(group.mu_);
        if (group.running_ == 0) return false;
        group.waiter_ = h;
        return true;
      }
      void await_resume() const noexcept {}
    };
    return Awaiter{*this};
  }

 private:
  void Finished() {
    std::coroutine_handle<> waiter;
    {
      MutexLock lock(mu_);
      if (--running_ == 0) waiter = std::exchange(waiter_, {});
    }
    if (waiter) waiter.resume();
  }

  Mutex mu_;
  int running_ GUARDED_BY(mu_) = 0;
  std::coroutine_handle<> waiter_ GUARDED_BY(mu_);
};

}  // namespace ferry
