// Transferer::Copy of a whole object (one PUT): which MD5 goes out, and who is
// blamed when the bytes do not match. Multipart copies are tested on real servers.
#include "engine/transferer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/md5.h"
#include "unit/engine/unsupported_store.h"

namespace ferry::engine {
namespace {

// A source holding `bytes` under key "k" that claims `etag` for them.
class Source final : public testing::UnsupportedStore {
 public:
  Source(std::string bytes, std::string etag) : bytes_(std::move(bytes)), etag_(std::move(etag)) {}
  Result<store::ObjectMeta> Read(const std::string&, uint64_t, uint64_t,
                                 const store::ByteSink& sink, std::stop_token) override {
    sink(bytes_);
    store::ObjectMeta meta;
    meta.size = bytes_.size();
    meta.etag = etag_;
    return meta;
  }

 private:
  std::string bytes_, etag_;
};

// Checks Content-MD5 as S3 does (BadDigest is DataLoss) and answers the MD5 as ETag.
class Destination final : public testing::UnsupportedStore {
 public:
  explicit Destination(bool checks_md5) : checks_md5_(checks_md5) {}
  bool HasMd5Etags() const override { return checks_md5_; }
  Result<std::string> Put(const std::string& key, std::string_view data,
                          const store::ObjectMeta&, const store::WriteSettings&,
                          const std::string& content_md5, std::stop_token) override {
    sent_md5[key] = content_md5;
    const std::string digest = Md5::Digest(data);
    if (checks_md5_ && content_md5 != Md5::Base64(digest)) {
      return Status::DataLoss("BadDigest", "");
    }
    stored[key] = std::string(data);
    return Md5::Hex(digest);
  }
  std::map<std::string, std::string> stored, sent_md5;

 private:
  bool checks_md5_;
};

struct Fixture {
  AsyncSemaphore memory{1 << 20};
  AsyncSemaphore part_slots{4};
  ThreadPool hashing{1};
  TimerQueue timers;
  RateLimiter bandwidth{0};
  TransferCounters counters;
};

Result<TransferOutcome> CopyK(store::ObjectStore& from, store::ObjectStore& to, Fixture& f) {
  Transferer t(from, to, TransferOptions{.server_side_copy = false},
               {f.memory, f.part_slots, f.hashing, f.timers, f.bandwidth}, nullptr, f.counters);
  store::ObjectEntry entry;
  entry.key = "k";
  entry.size = 5;
  return RunBlocking(t.Copy(entry, {}));
}

const std::string kHello = "hello";
const std::string kHelloMd5 = "5d41402abc4b2a76b9719d911017c592";

TEST(TransfererPut, SendsTheSourceEtagAsContentMd5ToADestinationThatChecksIt) {
  Fixture f;
  Source source(kHello, kHelloMd5);
  Destination destination(/*checks_md5=*/true);
  auto outcome = CopyK(source, destination, f);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(destination.stored["k"], kHello);
  EXPECT_EQ(destination.sent_md5["k"], Md5::Base64(Md5::Digest(kHello)));
}

TEST(TransfererPut, BytesThatDifferFromTheSourceEtagAreBlamedOnTheSource) {
  Fixture f;
  Source source("hellO", kHelloMd5);
  Destination destination(/*checks_md5=*/true);
  auto outcome = CopyK(source, destination, f);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss);
  EXPECT_NE(outcome.error().message().find("source MD5"), std::string::npos)
      << outcome.error().ToString();
  EXPECT_TRUE(destination.stored.empty());
}

TEST(TransfererPut, HashesTheBytesItselfForADestinationThatChecksNothing) {
  Fixture f;
  Source good(kHello, kHelloMd5), bad("hellO", kHelloMd5);
  Destination destination(/*checks_md5=*/false);
  auto outcome = CopyK(good, destination, f);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(destination.stored["k"], kHello);
  destination.stored.clear();
  outcome = CopyK(bad, destination, f);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("source MD5"), std::string::npos)
      << outcome.error().ToString();
  EXPECT_TRUE(destination.stored.empty());
}

}  // namespace
}  // namespace ferry::engine
