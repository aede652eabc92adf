#include "core/byte_pipe.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ferry {

BytePipe::BytePipe(size_t capacity, std::function<void(size_t)> on_written)
    : capacity_(std::max<size_t>(capacity, 1)), on_written_(std::move(on_written)) {}

BytePipe::Verdict BytePipe::Write(std::string_view chunk) {
  {
    MutexLock lock(mu_);
    if (reader_closed_) return Verdict::kClosed;
    if (held_ >= capacity_) {
      writer_paused_ = true;
      return Verdict::kPause;
    }
    chunks_.emplace_back(chunk);
    held_ += chunk.size();
    written_ += chunk.size();
    // Wakers run under the lock: they only post to an event loop, and calling one
    // here means the end it wakes cannot have closed in between.
    if (std::exchange(reader_paused_, false) && reader_waker_) reader_waker_();
  }
  if (on_written_) on_written_(chunk.size());
  return Verdict::kOk;
}

void BytePipe::CloseWriter(bool complete) {
  MutexLock lock(mu_);
  if (writer_ != WriterState::kWriting) return;
  writer_ = complete ? WriterState::kComplete : WriterState::kFailed;
  writer_waker_ = nullptr;
  if (std::exchange(reader_paused_, false) && reader_waker_) reader_waker_();
}

BytePipe::ReadResult BytePipe::Read(char* out, size_t max) {
  MutexLock lock(mu_);
  if (writer_ == WriterState::kFailed) return {Verdict::kClosed};
  if (held_ == 0) {
    if (writer_ == WriterState::kComplete) return {Verdict::kOk, 0};
    reader_paused_ = true;
    return {Verdict::kPause};
  }
  size_t copied = 0;
  while (copied < max && !chunks_.empty()) {
    const std::string& front = chunks_.front();
    const size_t n = std::min(max - copied, front.size() - front_offset_);
    std::memcpy(out + copied, front.data() + front_offset_, n);
    copied += n;
    front_offset_ += n;
    if (front_offset_ == front.size()) {
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  held_ -= copied;
  if (held_ < capacity_ && std::exchange(writer_paused_, false) && writer_waker_) writer_waker_();
  return {Verdict::kOk, copied};
}

void BytePipe::CloseReader() {
  MutexLock lock(mu_);
  if (reader_closed_) return;
  reader_closed_ = true;
  reader_waker_ = nullptr;
  chunks_.clear();
  held_ = 0;
  front_offset_ = 0;
  if (std::exchange(writer_paused_, false) && writer_waker_) writer_waker_();
}

void BytePipe::SetWriterWaker(std::function<void()> waker) {
  MutexLock lock(mu_);
  writer_waker_ = std::move(waker);
}

void BytePipe::SetReaderWaker(std::function<void()> waker) {
  MutexLock lock(mu_);
  reader_waker_ = std::move(waker);
}

uint64_t BytePipe::bytes_written() const {
  MutexLock lock(mu_);
  return written_;
}

}  // namespace ferry
