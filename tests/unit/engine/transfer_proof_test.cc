// Every copy is proven before it counts: multipart copies on an S3-like fake
// whose bytes can be damaged on the way in either direction.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>


#include "engine/transferer.h"
#include "state/sqlite_checkpoint_store.h"
#include "unit/engine/s3_like_store.h"
#include "unit/scratch_dir.h"

namespace ferry::engine {
namespace {

using testing::S3LikeStore;

const std::string kData = "the quick brown fox jumps over the lazy dog";  // 43 bytes

struct Fixture {
  ferry::testing::ScratchDir scratch{"ferry-proof-"};  // first: removed after the checkpoints close
  AsyncSemaphore memory{1 << 20};
  AsyncSemaphore part_slots{4};
  ThreadPool hashing{2};
  TimerQueue timers;
  RateLimiter bandwidth{0};
  TransferCounters counters;
  std::unique_ptr<state::SqliteCheckpointStore> checkpoints;

  Fixture() {
    auto opened = state::SqliteCheckpointStore::Open(scratch.path().string(), "test");
    EXPECT_TRUE(opened.ok()) << opened.error().ToString();
    checkpoints = std::move(opened).value();
  }

  Result<TransferOutcome> Copy(S3LikeStore& from, S3LikeStore& to, uint64_t threshold,
                               uint64_t part_size = 0) {
    TransferOptions options{.multipart_threshold = threshold, .part_size = part_size,
                            .server_side_copy = false};
    Transferer t(from, to, options, {memory, part_slots, hashing, timers, bandwidth},
                 checkpoints.get(), counters);
    const store::ObjectEntry entry = from.Entry("k");
    return RunBlocking(t.Copy(entry, {}));
  }
};

// Flips one byte of the first read or write that reaches `offset` or `part`, once.
auto FlipOnce(uint64_t at) {
  auto done = std::make_shared<bool>(false);
  return [done, at](const std::string&, uint64_t offset, std::string& bytes) {
    if (!*done && at >= offset && at < offset + bytes.size()) {
      bytes[at - offset] ^= 0x20;
      *done = true;
    }
  };
}

TEST(TransferProof, AMultipartSourceKeepsItsLayoutWhateverTheThreshold) {
  Fixture f;
  S3LikeStore source, destination;
  source.Add("k", kData, {20, 20, 3});
  auto outcome = f.Copy(source, destination, /*threshold=*/uint64_t{200} << 20);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->method, TransferMethod::kMultipart);
  EXPECT_TRUE(outcome->verified);
  EXPECT_EQ(destination.Etag("k"), source.Etag("k"));
  EXPECT_EQ(destination.Bytes("k"), kData);
  EXPECT_EQ(destination.Metadata("k").count(store::kSourceEtagMetadata), 0u);
}

TEST(TransferProof, UnevenPartsAreReproducedToo) {
  Fixture f;
  S3LikeStore source, destination;
  source.Add("k", kData, {10, 25, 8});
  auto outcome = f.Copy(source, destination, uint64_t{200} << 20);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(destination.Etag("k"), source.Etag("k"));
}

TEST(TransferProof, ALayoutTheDestinationCannotHoldIsCopiedWholeAfterOneHead) {
  Fixture f;
  S3LikeStore source, destination;
  source.streams = destination.streams = true;
  const std::string data(uint64_t{9} << 20, 'x');  // above the size streamed copies start at
  source.Add("k", data, {uint64_t{3} << 20, uint64_t{3} << 20, uint64_t{3} << 20});
  destination.max_parts = 2;
  auto outcome = f.Copy(source, destination, /*threshold=*/uint64_t{200} << 20);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->method, TransferMethod::kPut);
  EXPECT_EQ(destination.Bytes("k"), data);
  EXPECT_EQ(destination.Metadata("k").at(store::kSourceEtagMetadata), source.Etag("k"));
  EXPECT_EQ(source.heads, 1);
}

TEST(TransferProof, ASinglePartSourceInFerrysPartsIsProvenAndItsEtagRecorded) {
  Fixture f;
  S3LikeStore source, destination;
  source.Add("k", kData);
  auto outcome = f.Copy(source, destination, /*threshold=*/8, /*part_size=*/10);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->method, TransferMethod::kMultipart);
  EXPECT_TRUE(outcome->verified);
  EXPECT_EQ(destination.Bytes("k"), kData);
  EXPECT_EQ(destination.Metadata("k").at(store::kSourceEtagMetadata), source.Etag("k"));
}

TEST(TransferProof, ASourceReadDamagedInOwnPartsIsNeverCompleted) {
  Fixture f;
  S3LikeStore source, destination;
  source.Add("k", kData);
  source.on_read = FlipOnce(25);
  auto outcome = f.Copy(source, destination, 8, 10);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss) << outcome.error().ToString();
  EXPECT_EQ(destination.Bytes("k"), "");  // nothing completed
  EXPECT_EQ(destination.open_uploads(), 0u);
  auto again = f.Copy(source, destination, 8, 10);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(destination.Bytes("k"), kData);
}

TEST(TransferProof, ASourceReadDamagedInTheSourcesLayoutIsNeverCompleted) {
  Fixture f;
  S3LikeStore source, destination;
  source.Add("k", kData, {20, 20, 3});
  source.on_read = FlipOnce(30);
  auto outcome = f.Copy(source, destination, uint64_t{200} << 20);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss) << outcome.error().ToString();
  EXPECT_EQ(destination.Bytes("k"), "");
  EXPECT_EQ(destination.open_uploads(), 0u);
}

TEST(TransferProof, APartDamagedTowardAServerThatChecksNothingIsSentAgain) {
  Fixture f;
  S3LikeStore source;
  S3LikeStore destination(/*checks_md5=*/false);  // as moto
  source.Add("k", kData, {20, 20, 3});
  auto damaged = std::make_shared<bool>(false);
  destination.on_write = [damaged](int part, std::string& bytes) {
    if (part == 2 && !*damaged) {
      bytes[0] ^= 0x20;
      *damaged = true;
    }
  };
  auto outcome = f.Copy(source, destination, uint64_t{200} << 20);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss);
  EXPECT_NE(outcome.error().message().find("part 2 ETag"), std::string::npos);
  auto sent = [&destination](int part) {
    return std::count(destination.parts_sent.begin(), destination.parts_sent.end(), part);
  };
  const auto others_sent_first = sent(1) + sent(3);
  // The server holds the damaged part 2 (ListParts shows it); ferry never
  // recorded it as verified, so the next attempt sends it again.
  auto again = f.Copy(source, destination, uint64_t{200} << 20);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(destination.Bytes("k"), kData);
  EXPECT_EQ(destination.Etag("k"), source.Etag("k"));
  EXPECT_EQ(sent(2), 2);
  // Parts 1 and 3 ran beside part 2: each was verified and recorded (then kept,
  // never sent again) or stopped by part 2's failure (then sent by this attempt).
  EXPECT_LE(again->parts_resumed, others_sent_first);
  EXPECT_EQ(sent(1) + sent(3), others_sent_first + 2 - again->parts_resumed)
      << "a verified part is not sent again";
}

TEST(TransferProof, AResumedOwnLayoutCopyRereadsStoredPartsToProveTheWhole) {
  Fixture f;
  S3LikeStore source, destination;
  source.Add("k", kData);
  auto damaged = std::make_shared<bool>(false);
  destination.on_write = [damaged](int part, std::string& bytes) {
    if (part == 3 && !*damaged) {
      bytes[0] ^= 0x20;  // refused by Content-MD5: parts 1 and 2 stay verified
      *damaged = true;
    }
  };
  ASSERT_FALSE(f.Copy(source, destination, 8, 10).ok());
  source.on_read = FlipOnce(5);  // part 1 is read again only to hash it: damage is caught
  auto caught = f.Copy(source, destination, 8, 10);
  ASSERT_FALSE(caught.ok());
  EXPECT_EQ(caught.error().code(), Code::kDataLoss) << caught.error().ToString();
  EXPECT_EQ(destination.Bytes("k"), "");
  auto done = f.Copy(source, destination, 8, 10);
  ASSERT_TRUE(done.ok()) << done.error().ToString();
  EXPECT_EQ(destination.Bytes("k"), kData);
}

}  // namespace
}  // namespace ferry::engine
