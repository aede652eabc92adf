// A single PUT of 8 MiB or more is streamed from the source's GET through a
// small pipe: never in memory whole, still proven end to end by the
// destination's Content-MD5 check, and every failure at one end stops the other.
#include <gtest/gtest.h>

#include <string>

#include "engine/transferer.h"
#include "unit/engine/s3_like_store.h"

namespace ferry::engine {
namespace {

using testing::S3LikeStore;

std::string Pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  return data;
}

const std::string kNineMiB = Pattern(9 << 20);

struct Fixture {
  AsyncSemaphore memory{4 << 20};  // less than the object: the stream must not hold it
  AsyncSemaphore part_slots{4};
  ThreadPool hashing{2};
  TimerQueue timers;
  RateLimiter bandwidth{0};
  TransferCounters counters;

  Result<TransferOutcome> Copy(S3LikeStore& from, S3LikeStore& to) {
    TransferOptions options{.multipart_threshold = uint64_t{200} << 20,
                            .server_side_copy = false};
    Transferer t(from, to, options, {memory, part_slots, hashing, timers, bandwidth}, nullptr,
                 counters);
    const store::ObjectEntry entry = from.Entry("k");
    return RunBlocking(t.Copy(entry, {}));
  }
};

struct Stores {
  S3LikeStore source, destination;
  Stores() {
    source.streams = destination.streams = true;
    source.Add("k", kNineMiB);
  }
};

TEST(StreamedCopy, ASinglePartObjectIsStreamedAndProvenByTheDestination) {
  Fixture f;
  Stores s;
  auto outcome = f.Copy(s.source, s.destination);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->method, TransferMethod::kPut);
  EXPECT_TRUE(outcome->verified);
  EXPECT_EQ(s.destination.streamed_writes, 1);
  EXPECT_EQ(s.destination.puts, 0);
  EXPECT_TRUE(s.destination.Bytes("k") == kNineMiB);
  EXPECT_EQ(s.destination.Etag("k"), s.source.Etag("k"));
  EXPECT_EQ(f.counters.bytes_done.load(), kNineMiB.size());
  EXPECT_EQ(f.counters.bytes_in_flight.load(), 0u);
}

TEST(StreamedCopy, SmallObjectsAndStoresThatCannotStreamGoThroughMemory) {
  Fixture f;
  Stores s;
  s.source.Add("k", Pattern(1 << 20));
  ASSERT_TRUE(f.Copy(s.source, s.destination).ok());
  EXPECT_EQ(s.destination.streamed_writes, 0);
  EXPECT_EQ(s.destination.puts, 1);

  S3LikeStore folder_like;  // streams = false
  s.source.Add("k", kNineMiB);
  ASSERT_TRUE(f.Copy(s.source, folder_like).ok());
  EXPECT_EQ(folder_like.puts, 1);
  EXPECT_TRUE(folder_like.Bytes("k") == kNineMiB);
}

TEST(StreamedCopy, BytesDamagedOnTheWayAreRefusedAndCopiedAgainThroughMemory) {
  Fixture f;
  Stores s;
  bool damaged = false;
  s.destination.on_write = [&](int, std::string& bytes) {
    if (!damaged) bytes[12345] ^= 0x01;
    damaged = true;
  };
  auto outcome = f.Copy(s.source, s.destination);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(s.destination.streamed_writes, 1);
  EXPECT_EQ(s.destination.puts, 1);  // the second copy, hashed here
  EXPECT_TRUE(s.destination.Bytes("k") == kNineMiB);
}

TEST(StreamedCopy, ASourceWhoseBytesDifferFromItsEtagIsBlamedAndNothingIsStored) {
  Fixture f;
  Stores s;
  s.source.on_read = [](const std::string&, uint64_t, std::string& bytes) { bytes[7] ^= 0x01; };
  auto outcome = f.Copy(s.source, s.destination);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss);
  EXPECT_NE(outcome.error().message().find("source MD5"), std::string::npos)
      << outcome.error().ToString();
  EXPECT_EQ(s.destination.Bytes("k"), "");
}

TEST(StreamedCopy, AReadThatFailsMidwayAbortsTheWriteAndIsTheErrorReported) {
  Fixture f;
  Stores s;
  s.source.fail_streamed_read_after = 3 << 20;
  auto outcome = f.Copy(s.source, s.destination);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kUnavailable) << outcome.error().ToString();
  EXPECT_EQ(s.destination.Bytes("k"), "");  // the PUT never completed with part of it
  EXPECT_EQ(f.counters.bytes_in_flight.load(), 0u);
}

}  // namespace
}  // namespace ferry::engine
