// A single PUT of 8 MiB or more is streamed from the source's GET through a
// small pipe: never in memory whole, still proven end to end by the
// destination's Content-MD5 check, and every failure at one end stops the other.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/transferer.h"
#include "store/local_store.h"
#include "unit/engine/s3_like_store.h"
#include "unit/scratch_dir.h"

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

  Result<TransferOutcome> Copy(store::ObjectStore& from, store::ObjectStore& to,
                               const store::ObjectEntry& entry) {
    TransferOptions options{.multipart_threshold = uint64_t{200} << 20,
                            .server_side_copy = false};
    Transferer t(from, to, options, {memory, part_slots, hashing, timers, bandwidth}, nullptr,
                 counters);
    return RunBlocking(t.Copy(entry, {}));
  }
  Result<TransferOutcome> Copy(S3LikeStore& from, store::ObjectStore& to) {
    return Copy(from, to, from.Entry("k"));
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

// A folder destination streams too: the bytes go to a temporary file as they
// arrive, hashed on the way, and the file appears only when the hash is the
// source's ETag.
struct FolderDestination {
  ferry::testing::ScratchDir dir{"ferry-streamed-"};
  S3LikeStore source;
  store::LocalStore folder{dir.path().string()};
  FolderDestination() {
    source.streams = true;
    source.Add("k", kNineMiB);
  }
  std::string File() const {
    std::ifstream in(dir / "k", std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }
  // Everything in the folder: a failed copy leaves no temporary file behind.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      names.push_back(e.path().filename().string());
    }
    return names;
  }
};

TEST(StreamedCopy, AnObjectIsStreamedIntoAFolderAndProvenThere) {
  Fixture f;
  FolderDestination d;
  auto outcome = f.Copy(d.source, d.folder);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->method, TransferMethod::kPut);
  EXPECT_TRUE(outcome->verified);
  EXPECT_EQ(d.source.streamed_reads, 1);
  EXPECT_TRUE(d.File() == kNineMiB);
  EXPECT_EQ(d.Names(), std::vector<std::string>{"k"});
  EXPECT_EQ(f.counters.bytes_done.load(), kNineMiB.size());
}

TEST(StreamedCopy, BytesDamagedOnTheWayToAFolderAreRefusedThenCopiedThroughMemory) {
  Fixture f;
  FolderDestination d;
  int reads = 0;
  d.source.on_read = [&](const std::string&, uint64_t, std::string& bytes) {
    if (reads++ == 0) bytes[4 << 20] ^= 0x01;  // the stream only
  };
  auto outcome = f.Copy(d.source, d.folder);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(d.source.streamed_reads, 1);
  EXPECT_EQ(reads, 2);
  EXPECT_TRUE(d.File() == kNineMiB);
  EXPECT_EQ(d.Names(), std::vector<std::string>{"k"});
}

TEST(StreamedCopy, ASourceWhoseBytesDifferFromItsEtagLeavesNothingInTheFolder) {
  Fixture f;
  FolderDestination d;
  d.source.on_read = [](const std::string&, uint64_t, std::string& bytes) { bytes[7] ^= 0x01; };
  auto outcome = f.Copy(d.source, d.folder);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss);
  EXPECT_NE(outcome.error().message().find("source MD5"), std::string::npos)
      << outcome.error().ToString();
  EXPECT_TRUE(d.Names().empty());
}

TEST(StreamedCopy, AReadThatFailsMidwayLeavesNothingInTheFolder) {
  Fixture f;
  FolderDestination d;
  d.source.fail_streamed_read_after = 3 << 20;
  auto outcome = f.Copy(d.source, d.folder);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kUnavailable) << outcome.error().ToString();
  EXPECT_TRUE(d.Names().empty());
  EXPECT_EQ(f.counters.bytes_in_flight.load(), 0u);
}

// A folder source streams too, from 32 MiB: a first pass hashes the file, and its
// MD5 goes ahead of the bytes as their Content-MD5 for the destination to check.
// Made on first use, not when the binary starts (ctest starts it once per test).
const std::string& FortyMiB() {
  static const std::string data = Pattern(40 << 20);
  return data;
}

struct FolderSource {
  ferry::testing::ScratchDir dir{"ferry-streamed-"};
  store::LocalStore folder{dir.path().string()};
  S3LikeStore destination;
  FolderSource() {
    destination.streams = true;
    std::ofstream(dir / "k", std::ios::binary) << FortyMiB();
    std::ofstream(dir / "small", std::ios::binary) << kNineMiB;
  }
};

TEST(StreamedCopy, AFileIsHashedThenStreamedAndProvenByTheDestination) {
  Fixture f;
  FolderSource d;
  auto outcome = f.Copy(d.folder, d.destination, {.key = "k", .size = FortyMiB().size()});
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->method, TransferMethod::kPut);
  EXPECT_TRUE(outcome->verified);
  EXPECT_EQ(d.destination.streamed_writes, 1);
  EXPECT_EQ(d.destination.puts, 0);
  EXPECT_TRUE(d.destination.Bytes("k") == FortyMiB());
  EXPECT_EQ(d.destination.Etag("k"), Md5::Hex(Md5::Digest(FortyMiB())));
  // Below 32 MiB a file goes through memory, read once.
  auto small = f.Copy(d.folder, d.destination, {.key = "small", .size = kNineMiB.size()});
  ASSERT_TRUE(small.ok()) << small.error().ToString();
  EXPECT_EQ(d.destination.streamed_writes, 1);
  EXPECT_EQ(d.destination.puts, 1);
  EXPECT_TRUE(d.destination.Bytes("small") == kNineMiB);
}

TEST(StreamedCopy, AFileRefusedOnTheWayIsCopiedAgainThroughMemory) {
  Fixture f;
  FolderSource d;
  bool damaged = false;
  d.destination.on_write = [&](int, std::string& bytes) {
    if (!damaged) bytes[12345] ^= 0x01;
    damaged = true;
  };
  auto outcome = f.Copy(d.folder, d.destination, {.key = "k", .size = FortyMiB().size()});
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(d.destination.streamed_writes, 1);
  EXPECT_EQ(d.destination.puts, 1);
  EXPECT_TRUE(d.destination.Bytes("k") == FortyMiB());
}

}  // namespace
}  // namespace ferry::engine
