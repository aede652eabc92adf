// A bounded stream of bytes from one transfer into another: a GET's body into a
// PUT's, so an object copied in one request is never in memory whole.
//
// The two ends usually run on event loops (each HTTP client's driver thread),
// which must not block: an end that finds the pipe full (the writer) or empty
// (the reader) is told to pause, and its waker is called once the other end has
// made room or data. Either end may fail; the other then learns it at its next
// call and stops too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "core/mutex.h"

namespace ferry {

class BytePipe {
 public:
  enum class Verdict {
    kOk,      // the bytes moved (a read of 0 bytes: the writer finished, the end of the data)
    kPause,   // nothing moved: wait for the waker
    kClosed,  // the other end failed or left: stop
  };
  struct ReadResult {
    Verdict verdict;
    size_t bytes = 0;
  };

  // Holds about `capacity` bytes: a write is taken whole while less than that is held.
  // `on_written(n)` is told of every write taken (progress), on the writer's thread.
  explicit BytePipe(size_t capacity, std::function<void(size_t)> on_written = {});
  BytePipe(const BytePipe&) = delete;
  BytePipe& operator=(const BytePipe&) = delete;

  // The writer's end: takes all of `chunk` or none of it.
  Verdict Write(std::string_view chunk);
  // The writer is done: `complete` when every byte was written, else it failed.
  void CloseWriter(bool complete);

  // The reader's end: copies up to `max` bytes into `out`.
  ReadResult Read(char* out, size_t max);
  // The reader is done (all read, or failed): a writer still writing is stopped.
  void CloseReader();

  // Called (once per pause, on the other end's thread) when a paused end may go
  // on. Set before the end first calls Write or Read; must not block.
  void SetWriterWaker(std::function<void()> waker);
  void SetReaderWaker(std::function<void()> waker);

  uint64_t bytes_written() const;

 private:
  enum class WriterState { kWriting, kComplete, kFailed };

  const size_t capacity_;
  const std::function<void(size_t)> on_written_;
  mutable Mutex mu_;
  std::deque<std::string> chunks_ GUARDED_BY(mu_);
  size_t front_offset_ GUARDED_BY(mu_) = 0;  // bytes of chunks_.front() already read
  size_t held_ GUARDED_BY(mu_) = 0;
  uint64_t written_ GUARDED_BY(mu_) = 0;
  WriterState writer_ GUARDED_BY(mu_) = WriterState::kWriting;
  bool reader_closed_ GUARDED_BY(mu_) = false;
  bool writer_paused_ GUARDED_BY(mu_) = false;
  bool reader_paused_ GUARDED_BY(mu_) = false;
  std::function<void()> writer_waker_ GUARDED_BY(mu_);
  std::function<void()> reader_waker_ GUARDED_BY(mu_);
};

}  // namespace ferry
