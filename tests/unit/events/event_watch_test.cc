// The watch on fakes: an in-memory source and destination, a fake SQS queue.
// The same behaviours are tested end to end on moto and SeaweedFS in
// tests/integration/test_watch.py.
#include "events/event_watch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "core/md5.h"
#include "unit/engine/unsupported_store.h"
#include "unit/queue/fake_sqs.h"

namespace ferry::events {
namespace {

// Single-PUT objects with MD5 ETags, enough for the watch's paths.
class MapStore final : public testing::UnsupportedStore {
 public:
  void Set(const std::string& key, const std::string& data) {
    std::lock_guard lock(mu_);
    objects_[key] = data;
  }
  void Remove(const std::string& key) {
    std::lock_guard lock(mu_);
    objects_.erase(key);
  }
  std::optional<std::string> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  static std::string Etag(const std::string& data) { return Md5::Hex(Md5::Digest(data)); }

  bool HasMd5Etags() const override { return true; }
  Result<store::ObjectMeta> Head(const std::string& key, std::stop_token) override {
    auto data = Get(key);
    if (!data) return Status::NotFound("object does not exist").WithServiceCode("NoSuchKey", 404);
    store::ObjectMeta meta;
    meta.size = data->size();
    meta.etag = Etag(*data);
    return meta;
  }
  Result<store::ObjectMeta> Read(const std::string& key, uint64_t, uint64_t,
                                 const store::ByteSink& sink, std::stop_token stop) override {
    auto meta = Head(key, stop);
    if (!meta.ok()) return meta;
    sink(*Get(key));
    return meta;
  }
  Result<std::string> Put(const std::string& key, std::string_view data, const store::ObjectMeta&,
                          const store::WriteSettings&, const std::string&,
                          std::stop_token) override {
    Set(key, std::string(data));
    ++puts;
    return Etag(std::string(data));
  }
  Status Delete(const std::vector<std::string>& keys, std::stop_token) override {
    for (const auto& k : keys) Remove(k);
    return Status::OK();
  }
  std::atomic<int> puts{0};

 private:
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
};

std::string Record(const std::string& name, const std::string& key, const std::string& data,
                   const std::string& sequencer = "", const std::string& bucket = "src") {
  nlohmann::json object = {{"key", key}, {"size", data.size()}};
  if (name.starts_with("ObjectCreated")) object["eTag"] = MapStore::Etag(data);
  if (!sequencer.empty()) object["sequencer"] = sequencer;
  return nlohmann::json{{"eventName", name},
                        {"s3", {{"bucket", {{"name", bucket}}}, {"object", object}}}}
      .dump();
}

std::string Message(std::initializer_list<std::string> records) {
  std::string body = R"({"Records":[)";
  bool first = true;
  for (const auto& r : records) {
    body += (first ? "" : ",") + r;
    first = false;
  }
  return body + "]}";
}

// The source store's keys are relative to its root, as an S3Store's are to its
// prefix: the watch strips "data/" from the events' keys.
class EventWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-watch-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    sequencers_ = state::SequencerStore::Open(dir_.string(), "t").value();
    client_ = sqs_.Client();
    options_.transfers = 8;
    options_.max_attempts = 1;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the watch until `done` holds (or 10 s), then stops it.
  WatchSummary RunUntil(const std::function<bool()>& done, bool removals = false) {
    WatchContext c;
    c.source = &src_;
    c.destination = &dst_;
    c.watched = {"src", "data/"};
    c.options = &options_;
    c.sequencers = sequencers_.get();
    c.sqs = client_.get();
    WatchOptions w;
    w.queue_url = sqs_.queue_url();
    w.apply_removals = removals;
    w.receivers = 1;
    std::stop_source stop;
    Result<WatchSummary> summary = Status::Internal("not run");
    std::thread t([&] { summary = RunWatch(c, w, stop.get_token()); });
    for (int i = 0; i < 1000 && !(done() && sqs_.waiting() == 0); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let deletes go out
    stop.request_stop();
    t.join();
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? *summary : WatchSummary{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<state::SequencerStore> sequencers_;
  testing::FakeSqs sqs_;
  std::unique_ptr<queue::SqsClient> client_;
  engine::RunOptions options_;
  MapStore src_, dst_;
};

TEST_F(EventWatchTest, CopiesCreatedObjectsAndDeletesTheMessage) {
  src_.Set("a.txt", "hello");
  sqs_.Push(R"({"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"src"})");
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/a.txt", "hello")}));
  auto s = RunUntil([&] { return dst_.Get("a.txt").has_value(); });
  EXPECT_EQ(dst_.Get("a.txt"), "hello");
  EXPECT_EQ(s.test_events, 1u);
  EXPECT_EQ(s.copied, 1u);
  EXPECT_EQ(sqs_.deleted().size(), 2u);  // the test event and the event
}

TEST_F(EventWatchTest, EveryRecordOfAMessageIsHandledBeforeItIsDeleted) {
  src_.Set("a", "1");
  src_.Set("b", "22");
  src_.Set("c d+", "333");
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/a", "1"),
                     Record("ObjectCreated:Copy", "data/b", "22"),
                     Record("ObjectCreated:Put", "data/c+d%2B", "333")}));
  auto s = RunUntil([&] { return dst_.Get("c d+").has_value() && dst_.Get("a") && dst_.Get("b"); });
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.copied, 3u);
  EXPECT_EQ(sqs_.deleted().size(), 1u);
}

TEST_F(EventWatchTest, AnOlderEventThanOneAppliedIsSkipped) {
  src_.Set("k", "new");
  // The newer event arrives first; the older one, for bytes long replaced, after it.
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/k", "new", "0055AED6DCD90281E6")}));
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/k", "old", "0055AED6DCD90281E5")}));
  auto s = RunUntil([&] { return dst_.Get("k").has_value(); });
  EXPECT_EQ(dst_.Get("k"), "new");
  EXPECT_EQ(s.copied, 1u);
  EXPECT_EQ(s.stale, 1u);
  // An older removal than the put applied is skipped as well.
  sqs_.Push(Message({Record("ObjectRemoved:Delete", "data/k", "", "0055AED6DCD90281E0")}));
  src_.Remove("k");
  auto t = RunUntil([&] { return sqs_.deleted().size() >= 3; }, /*removals=*/true);
  EXPECT_EQ(t.stale, 1u);
  EXPECT_EQ(dst_.Get("k"), "new");
}

TEST_F(EventWatchTest, WithoutSequencersTheSourceStateDecides) {
  src_.Set("k", "v2");
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/k", "v1")}));  // superseded
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/k", "v2")}));
  auto s = RunUntil([&] { return dst_.Get("k") == std::optional<std::string>("v2"); });
  EXPECT_EQ(s.stale, 1u);
  EXPECT_EQ(s.copied, 1u);
  EXPECT_EQ(dst_.puts, 1);  // v1 was never written
}

TEST_F(EventWatchTest, RemovalsDeleteOnlyWhatTheSourceNoLongerHas) {
  dst_.Set("gone", "x");
  dst_.Set("back", "y");
  src_.Set("back", "y");
  sqs_.Push(Message({Record("ObjectRemoved:Delete", "data/gone", ""),
                     Record("ObjectRemoved:Delete", "data/back", "")}));
  auto s = RunUntil([&] { return !dst_.Get("gone").has_value(); }, /*removals=*/true);
  EXPECT_FALSE(dst_.Get("gone").has_value());
  EXPECT_EQ(dst_.Get("back"), "y");
  EXPECT_EQ(s.deleted, 1u);
  EXPECT_EQ(s.stale, 1u);
}

TEST_F(EventWatchTest, RemovalsAreIgnoredWithoutDelete) {
  dst_.Set("gone", "x");
  sqs_.Push(Message({Record("ObjectRemoved:Delete", "data/gone", "")}));
  auto s = RunUntil([&] { return !sqs_.deleted().empty(); });
  EXPECT_EQ(dst_.Get("gone"), "x");
  EXPECT_EQ(s.ignored, 1u);
}

TEST_F(EventWatchTest, OtherBucketsPrefixesAndGoneObjectsAreSkipped) {
  sqs_.Push(Message({Record("ObjectCreated:Put", "data/x", "1", "", "another-bucket"),
                     Record("ObjectCreated:Put", "elsewhere/x", "1"),
                     Record("ObjectCreated:Put", "data/vanished", "1")}));
  auto s = RunUntil([&] { return !sqs_.deleted().empty(); });
  EXPECT_EQ(s.ignored, 2u);
  EXPECT_EQ(s.gone, 1u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(dst_.puts, 0);
}

TEST_F(EventWatchTest, UnreadableMessagesGoBackTowardTheDeadLetterQueue) {
  sqs_.Push("this is not an event");
  auto s = RunUntil([&] { return !sqs_.visibility_changes().empty(); });
  EXPECT_EQ(s.unreadable, 1u);
  EXPECT_TRUE(sqs_.deleted().empty());
  // The fake delivers with ApproximateReceiveCount 3: back in 2^3 s.
  ASSERT_FALSE(sqs_.visibility_changes().empty());
  EXPECT_EQ(sqs_.visibility_changes()[0].second, 8);
}

}  // namespace
}  // namespace ferry::events
