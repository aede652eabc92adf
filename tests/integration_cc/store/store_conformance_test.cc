// One conformance suite for every ObjectStore backend (rclone's fstests): the
// same tests on S3 over SeaweedFS, S3 over moto and a local folder. What a store
// wrote is read back through an independent path: boto3 for S3, the file system
// for the folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "core/md5.h"
#include "engine/listing_cursor.h"
#include "s3/s3_client.h"
#include "store/local_store.h"
#include "store/s3_store.h"
#include "testbed.h"

namespace ferry::store {
namespace {

using ferry::testing::FixedKeys;
using ferry::testing::LoadServer;
using ferry::testing::Oracle;
using ferry::testing::PatternBytes;

std::string Unique(const std::string& base) {
  static std::mt19937_64 rng{std::random_device{}()};
  return base + std::to_string(rng() % 1000000000);
}

// A backend under test, with an independent way to see what it holds.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual ObjectStore& store() = 0;
  // Independent view: sorted keys and the bytes of one key.
  virtual std::vector<std::string> Keys() = 0;
  virtual std::string Bytes(const std::string& key) = 0;
  // Places an object without going through the store.
  virtual void Plant(const std::string& key, size_t size) = 0;
};

class S3Backend final : public Backend {
 public:
  explicit S3Backend(const std::string& server) : server_(server) {
    auto s = LoadServer(server);
    bucket_ = Unique("conf-");
    Oracle(server_, {"create-bucket", bucket_});
    auto client = s3::S3Client::Create({.endpoint = s.endpoint, .region = s.region},
                                       std::make_shared<FixedKeys>(s.access_key, s.secret_key),
                                       std::make_shared<net::HttpClient>());
    EXPECT_TRUE(client.ok());
    store_ = std::make_unique<S3Store>(std::move(*client), bucket_, "root/");
  }
  ~S3Backend() override { Oracle(server_, {"delete-bucket", bucket_}); }
  ObjectStore& store() override { return *store_; }
  std::vector<std::string> Keys() override {
    std::vector<std::string> out;
    for (const auto& key : Oracle(server_, {"list", bucket_})) {
      out.push_back(key.get<std::string>().substr(5));  // without "root/"
    }
    return out;
  }
  std::string Bytes(const std::string& key) override {
    auto head = Oracle(server_, {"head", bucket_, "root/" + key});
    return head.value("md5", "");
  }
  void Plant(const std::string& key, size_t size) override {
    Oracle(server_, {"put", bucket_, "root/" + key, std::to_string(size)});
  }
 private:
  std::string server_;
  std::string bucket_;
  std::unique_ptr<S3Store> store_;
};

class LocalBackend final : public Backend {
 public:
  LocalBackend() : root_(std::filesystem::temp_directory_path() / Unique("ferry-conf-")) {
    std::filesystem::create_directories(root_);
    store_ = std::make_unique<LocalStore>(root_.string());
  }
  ~LocalBackend() override { std::filesystem::remove_all(root_); }
  ObjectStore& store() override { return *store_; }
  std::vector<std::string> Keys() override {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      // In-progress uploads are temporary files by design; they are not objects.
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && !name.starts_with(LocalStore::kTempPrefix)) {
        out.push_back(std::filesystem::relative(e.path(), root_).string());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string Bytes(const std::string& key) override {
    std::ifstream in(root_ / key, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void Plant(const std::string& key, size_t size) override {
    std::filesystem::create_directories((root_ / key).parent_path());
    std::ofstream(root_ / key, std::ios::binary) << PatternBytes(size);
  }

 private:
  std::filesystem::path root_;
  std::unique_ptr<LocalStore> store_;
};

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      backend_ = std::make_unique<LocalBackend>();
    } else {
      backend_ = std::make_unique<S3Backend>(GetParam());
    }
  }
  // Bytes as the independent view reports them (S3: their MD5).
  std::string Expect(const std::string& data) {
    return GetParam() == "local" ? data : Md5::Hex(Md5::Digest(data));
  }
  std::vector<std::string> ListAll(const ListRange& range = {}) {
    std::vector<std::string> keys;
    Status st = backend_->store().List(
        range,
        [&](std::vector<ObjectEntry>&& page) {
          for (auto& e : page) keys.push_back(e.key);
          return Status::OK();
        },
        {});
    EXPECT_TRUE(st.ok()) << st.ToString();
    return keys;
  }

  std::unique_ptr<Backend> backend_;
};

TEST_P(StoreConformance, ListsEveryKeyOnceAndTheCursorInByteOrder) {
  const std::vector<std::string> keys = {"a.txt", "a/1", "a/b/2", "a0", "b", "z/y/x"};
  for (const auto& k : keys) backend_->Plant(k, 3);
  auto listed = ListAll();
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, keys);  // the service's order, but every key once
  EXPECT_EQ(ListAll({.prefix = "a/"}).size(), 2u);
  // The engine's view is byte order whatever the service's: '.' < '/' < '0'.
  std::vector<std::string> cursor_keys;
  engine::ListingCursor cursor(backend_->store(), "", {.parallelism = 2}, {});
  while (const ObjectEntry* e = cursor.Next()) cursor_keys.push_back(e->key);
  EXPECT_TRUE(cursor.status().ok()) << cursor.status().ToString();
  EXPECT_EQ(cursor_keys, keys);
}

TEST_P(StoreConformance, ListLevelSplitsAtFolders) {
  for (const auto& k : {"top", "d1/x", "d1/y/z", "d2/w"}) backend_->Plant(k, 1);
  auto level = backend_->store().ListLevel("", 100, {});
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_EQ(level->prefixes, (std::vector<std::string>{"d1/", "d2/"}));
  ASSERT_EQ(level->objects.size(), 1u);
  EXPECT_EQ(level->objects[0].key, "top");
  EXPECT_EQ(level->objects[0].size, 1u);
  EXPECT_FALSE(level->truncated);
}

TEST_P(StoreConformance, PutThenHeadAndRangedRead) {
  const std::string data = PatternBytes(100000);
  auto put = backend_->store().Put("dir/obj", data, {.size = data.size()}, {}, "", {});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(backend_->Bytes("dir/obj"), Expect(data));
  auto head = backend_->store().Head("dir/obj", {});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, data.size());
  std::string got;
  auto meta = backend_->store().Read("dir/obj", 500, 1000, [&](std::string_view c) {
    got.append(c);
    return true;
  }, {});
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(got, data.substr(500, 1000));
}

TEST_P(StoreConformance, MultipartInAnyOrderThenComplete) {
  const std::string data = PatternBytes(11 * 1024 * 1024 + 7);
  const uint64_t part = 5 * 1024 * 1024;
  auto upload = backend_->store().BeginMultipart("mp", {.size = data.size()}, {}, {});
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  std::vector<PartEtag> parts(3);
  for (int n : {3, 1, 2}) {  // out of order, as parallel parts finish
    const uint64_t off = (n - 1) * part;
    auto etag = backend_->store().PutPart("mp", *upload, n, off,
                                          std::string_view(data).substr(off, part), "", {});
    ASSERT_TRUE(etag.ok()) << etag.status().ToString();
    parts[n - 1] = {n, *etag};
  }
  EXPECT_TRUE(backend_->Keys().empty());  // nothing visible before completion
  auto done = backend_->store().CompleteMultipart("mp", *upload, parts, {});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(backend_->Bytes("mp"), Expect(data));
}

TEST_P(StoreConformance, AbortLeavesNothing) {
  auto upload = backend_->store().BeginMultipart("gone", {.size = 10}, {}, {});
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE(backend_->store().PutPart("gone", *upload, 1, 0, "0123456789", "", {}).ok());
  ASSERT_TRUE(backend_->store().AbortMultipart("gone", *upload, {}).ok());
  EXPECT_TRUE(backend_->Keys().empty());
  EXPECT_TRUE(ListAll().empty());
}

TEST_P(StoreConformance, DeleteRemovesOnlyTheGivenKeys) {
  for (const auto& k : {"keep", "del/1", "del 2"}) backend_->Plant(k, 2);
  ASSERT_TRUE(backend_->store().Delete({"del/1", "del 2", "never-existed"}, {}).ok());
  EXPECT_EQ(backend_->Keys(), std::vector<std::string>{"keep"});
}

TEST_P(StoreConformance, MissingObjectIsNotFound) {
  auto head = backend_->store().Head("nope", {});
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, ServerSideCopyIsAskedForNotAssumed) {
  LocalBackend other;
  other.Plant("src", 10);
  auto copied = backend_->store().CopyFrom(other.store(), "src", "dst", 10, {}, {}, {});
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error().code(), Code::kNotSupported);  // the engine then streams the bytes
}

// A streamed write: the bytes come through a pipe from another thread (as from a
// GET on its HTTP loop) and are kept only when their MD5 is the one given.
TEST_P(StoreConformance, AStreamedWriteKeepsOnlyBytesWithTheGivenMd5) {
  ASSERT_TRUE(backend_->store().CanStreamWrites());
  const std::string data = PatternBytes(3 * 1024 * 1024 + 5);
  auto write = [&](const std::string& key, const std::string& content_md5) {
    auto pipe = std::make_shared<BytePipe>(64 * 1024);
    std::thread source([pipe, &data] {
      for (size_t at = 0; at < data.size();) {
        const std::string_view chunk = std::string_view(data).substr(at, 16 * 1024);
        const BytePipe::Verdict v = pipe->Write(chunk);
        if (v == BytePipe::Verdict::kClosed) return;
        if (v == BytePipe::Verdict::kOk) at += chunk.size();
        if (v == BytePipe::Verdict::kPause) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      pipe->CloseWriter(true);
    });
    auto written = RunBlocking(backend_->store().PutFromAsync(
        key, pipe, data.size(), {.size = data.size()}, {}, content_md5, {}));
    pipe->CloseReader();
    source.join();
    return written;
  };
  auto kept = write("streamed", Md5::Base64(Md5::Digest(data)));
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(backend_->Bytes("streamed"), Expect(data));
  const std::string other = Md5::Digest("other bytes");
  auto refused = write("refused", Md5::Base64(other));
  if (GetParam() == "moto") {
    // moto checks no Content-MD5: it keeps the bytes, and its ETag, the MD5 of
    // what it received, is what tells the engine (which compares it) they differ.
    ASSERT_TRUE(refused.ok()) << refused.status().ToString();
    EXPECT_EQ(*refused, Md5::Hex(Md5::Digest(data)));
    return;
  }
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), Code::kDataLoss) << refused.error().ToString();
  EXPECT_EQ(backend_->Keys(), std::vector<std::string>{"streamed"});  // nothing else, no temp
}

// A streamed read: the whole object through a pipe far smaller than it, drained
// by another thread (as by a PUT on its HTTP loop).
TEST_P(StoreConformance, AStreamedReadGivesTheWholeObject) {
  ASSERT_TRUE(backend_->store().CanStreamReads());
  backend_->Plant("big", 3 * 1024 * 1024 + 5);
  auto head = backend_->store().Head("big", {});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  auto pipe = std::make_shared<BytePipe>(64 * 1024);
  std::string got;
  std::thread reader([pipe, &got] {
    std::string buffer(16 * 1024, '\0');
    for (;;) {
      const auto r = pipe->Read(buffer.data(), buffer.size());
      if (r.verdict == BytePipe::Verdict::kClosed) return;
      if (r.verdict == BytePipe::Verdict::kPause) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      if (r.bytes == 0) return;
      got.append(buffer.data(), r.bytes);
    }
  });
  auto read = RunBlocking(backend_->store().ReadIntoAsync("big", head->etag, pipe, {}));
  pipe->CloseWriter(read.ok());
  reader.join();
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->size, head->size);
  EXPECT_TRUE(got == PatternBytes(3 * 1024 * 1024 + 5));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values("seaweed_a", "moto", "local"));

}  // namespace
}  // namespace ferry::store
