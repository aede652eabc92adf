// BytePipe: a GET's body into a PUT's, bounded, with ends that pause instead of blocking.
#include "core/byte_pipe.h"

#include <gtest/gtest.h>

#include <string>
#include <atomic>
#include <thread>

namespace ferry {
namespace {

std::string ReadAll(BytePipe& pipe, size_t step) {
  std::string out;
  std::string buf(step, '\0');
  for (;;) {
    auto r = pipe.Read(buf.data(), step);
    if (r.verdict != BytePipe::Verdict::kOk || r.bytes == 0) return out;
    out.append(buf, 0, r.bytes);
  }
}

TEST(BytePipe, PassesBytesInOrderAcrossChunkBoundaries) {
  BytePipe pipe(1 << 20);
  ASSERT_EQ(pipe.Write("hello "), BytePipe::Verdict::kOk);
  ASSERT_EQ(pipe.Write("world"), BytePipe::Verdict::kOk);
  pipe.CloseWriter(/*complete=*/true);
  EXPECT_EQ(ReadAll(pipe, 4), "hello world");
  EXPECT_EQ(pipe.bytes_written(), 11u);
}

TEST(BytePipe, AFullPipePausesTheWriterUntilTheReaderMakesRoom) {
  int writer_woken = 0;
  BytePipe pipe(8);
  pipe.SetWriterWaker([&] { ++writer_woken; });
  ASSERT_EQ(pipe.Write("12345678"), BytePipe::Verdict::kOk);
  ASSERT_EQ(pipe.Write("9"), BytePipe::Verdict::kPause);  // nothing taken
  EXPECT_EQ(writer_woken, 0);
  char buf[4];
  auto r = pipe.Read(buf, 4);
  ASSERT_EQ(r.verdict, BytePipe::Verdict::kOk);
  EXPECT_EQ(std::string(buf, r.bytes), "1234");
  EXPECT_EQ(writer_woken, 1);
  ASSERT_EQ(pipe.Write("9"), BytePipe::Verdict::kOk);  // the same chunk, offered again
  pipe.CloseWriter(true);
  EXPECT_EQ(ReadAll(pipe, 16), "56789");
}

TEST(BytePipe, AnEmptyPipePausesTheReaderUntilDataOrTheEnd) {
  int reader_woken = 0;
  BytePipe pipe(8);
  pipe.SetReaderWaker([&] { ++reader_woken; });
  char buf[8];
  EXPECT_EQ(pipe.Read(buf, 8).verdict, BytePipe::Verdict::kPause);
  ASSERT_EQ(pipe.Write("ab"), BytePipe::Verdict::kOk);
  EXPECT_EQ(reader_woken, 1);
  EXPECT_EQ(pipe.Read(buf, 8).bytes, 2u);
  EXPECT_EQ(pipe.Read(buf, 8).verdict, BytePipe::Verdict::kPause);
  pipe.CloseWriter(true);
  EXPECT_EQ(reader_woken, 2);
  auto end = pipe.Read(buf, 8);
  EXPECT_EQ(end.verdict, BytePipe::Verdict::kOk);
  EXPECT_EQ(end.bytes, 0u);
}

TEST(BytePipe, AFailedWriterClosesTheReadersEnd) {
  int reader_woken = 0;
  BytePipe pipe(8);
  pipe.SetReaderWaker([&] { ++reader_woken; });
  ASSERT_EQ(pipe.Write("ab"), BytePipe::Verdict::kOk);
  pipe.CloseWriter(/*complete=*/false);
  char buf[8];
  // Bytes of a failed stream are never handed on: the reader must abort its request.
  EXPECT_EQ(pipe.Read(buf, 8).verdict, BytePipe::Verdict::kClosed);
}

TEST(BytePipe, AReaderThatLeavesStopsAPausedWriter) {
  int writer_woken = 0;
  BytePipe pipe(2);
  pipe.SetWriterWaker([&] { ++writer_woken; });
  ASSERT_EQ(pipe.Write("ab"), BytePipe::Verdict::kOk);
  ASSERT_EQ(pipe.Write("c"), BytePipe::Verdict::kPause);
  pipe.CloseReader();
  EXPECT_EQ(writer_woken, 1);
  EXPECT_EQ(pipe.Write("c"), BytePipe::Verdict::kClosed);
}

TEST(BytePipe, ReportsEachWriteTakenForProgress) {
  size_t reported = 0;
  BytePipe pipe(4, [&](size_t n) { reported += n; });
  ASSERT_EQ(pipe.Write("abcd"), BytePipe::Verdict::kOk);
  ASSERT_EQ(pipe.Write("e"), BytePipe::Verdict::kPause);
  EXPECT_EQ(reported, 4u);
}

// Two threads, as two HTTP clients' loops would be: each end spins on its waker.
TEST(BytePipe, MovesAStreamBetweenThreadsWithinItsCapacity) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>('a' + i % 26);
  BytePipe pipe(1000);
  std::atomic<int> writer_wakes{0}, reader_wakes{0};
  pipe.SetWriterWaker([&] { ++writer_wakes; });
  pipe.SetReaderWaker([&] { ++reader_wakes; });
  std::thread writer([&] {
    size_t at = 0;
    while (at < data.size()) {
      const std::string_view chunk = std::string_view(data).substr(at, 300);
      const auto v = pipe.Write(chunk);
      if (v == BytePipe::Verdict::kOk) at += chunk.size();
      if (v == BytePipe::Verdict::kPause) std::this_thread::yield();
    }
    pipe.CloseWriter(true);
  });
  std::string got;
  char buf[512];
  for (;;) {
    auto r = pipe.Read(buf, sizeof buf);
    if (r.verdict == BytePipe::Verdict::kPause) {
      std::this_thread::yield();
      continue;
    }
    ASSERT_EQ(r.verdict, BytePipe::Verdict::kOk);
    if (r.bytes == 0) break;
    got.append(buf, r.bytes);
  }
  writer.join();
  EXPECT_EQ(got, data);
}

}  // namespace
}  // namespace ferry
