// The S3 client against real servers (two SeaweedFS gateways and moto), every
// result checked with boto3 through the oracle, never with ferry itself.
#include "s3/s3_client.h"

#include <gtest/gtest.h>

#include <random>

#include "core/md5.h"
#include "testbed.h"

namespace ferry::s3 {
namespace {

using ferry::testing::FixedKeys;
using ferry::testing::LoadServer;
using ferry::testing::Oracle;
using ferry::testing::PatternBytes;
using ferry::testing::TestServer;

std::string Md5Hex(std::string_view data) { return Md5::Hex(Md5::Digest(data)); }

std::string UniqueBucket() {
  static std::mt19937_64 rng{std::random_device{}()};
  return "ferry-it-" + std::to_string(rng() % 1000000000);
}

std::vector<std::string> AllAwkwardKeys() {
  return {"plain.txt",
          "with space.txt",
          "plus+sign",
          "percent%20literal",
          "question?mark",
          "hash#tag",
          "amp&and=eq",
          "tilde~",
          "quote\"double'single",
          "double//slash",
          "trailing/",
          "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E/\xE3\x83\x95\xE3\x82\xA1\xE3\x82\xA4\xE3\x83\xAB",
          "emoji-\xF0\x9F\x9A\x80",
          "dir/sub dir/file (1).bin",
          "<angle>&amp;"};
}

// Keys that break naive clients: every one must round-trip byte for byte.
// SeaweedFS keeps objects in a file tree, so it folds "a//b" into "a/b" and
// treats a key ending in '/' as a folder: those two are checked on moto only.
std::vector<std::string> AwkwardKeys(const std::string& server) {
  std::vector<std::string> keys = AllAwkwardKeys();
  if (server.starts_with("seaweed")) {
    std::erase(keys, "double//slash");
    std::erase(keys, "trailing/");
  }
  return keys;
}


class S3ClientTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = LoadServer(GetParam());
    ASSERT_FALSE(server_.endpoint.empty()) << "no server " << GetParam() << " in the test bed";
    http_ = std::make_shared<net::HttpClient>();
    client_ = MakeClient(server_.access_key, server_.secret_key);
    ASSERT_NE(client_, nullptr);
    bucket_ = UniqueBucket();
    ASSERT_TRUE(Oracle(server_.name, {"create-bucket", bucket_}).value("ok", false));
  }

  void TearDown() override {
    if (!bucket_.empty()) Oracle(server_.name, {"delete-bucket", bucket_});
  }

  std::unique_ptr<S3Client> MakeClient(const std::string& id, const std::string& secret,
                                       std::string endpoint = "") {
    S3Config config;
    config.endpoint = endpoint.empty() ? server_.endpoint : endpoint;
    config.region = server_.region;
    config.side = Side::kDestination;
    config.retry.base = std::chrono::milliseconds(10);
    auto client = S3Client::Create(config, std::make_shared<FixedKeys>(id, secret), http_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  TestServer server_;
  std::shared_ptr<net::HttpClient> http_;
  std::unique_ptr<S3Client> client_;
  std::string bucket_;
};

TEST_P(S3ClientTest, PutObjectWithMetadataIsSeenByBoto) {
  const std::string body = PatternBytes(70000);
  WriteOptions options;
  options.content.content_type = "application/x-ferry";
  options.content.metadata = {{"origin", "ferry"}};
  options.content_md5 = Md5Base64(body);
  auto etag = client_->PutObject(bucket_, "dir/obj", body, options);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  auto head = Oracle(server_.name, {"head", bucket_, "dir/obj"});
  EXPECT_EQ(head["size"], 70000);
  EXPECT_EQ(head["md5"], Md5Hex(body));
  EXPECT_EQ(head["etag"], *etag);
  EXPECT_EQ(head["content_type"], "application/x-ferry");
  EXPECT_EQ(head["metadata"]["origin"], "ferry");
}

TEST_P(S3ClientTest, WrongContentMd5IsRejectedAsDataLoss) {
  if (server_.name == "moto") GTEST_SKIP() << "moto does not verify Content-MD5";
  WriteOptions options;
  options.content_md5 = Md5Base64("something else");
  auto etag = client_->PutObject(bucket_, "bad", "payload", options);
  ASSERT_FALSE(etag.ok());
  EXPECT_EQ(etag.error().code(), Code::kDataLoss) << etag.error().ToString();
  EXPECT_TRUE(Oracle(server_.name, {"list", bucket_}).empty());
}

TEST_P(S3ClientTest, HeadAndRangedGetReturnExactBytes) {
  Oracle(server_.name, {"put", bucket_, "ranged", "100000"});
  auto head = client_->HeadObject(bucket_, "ranged");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 100000u);
  const std::string expected = PatternBytes(100000);
  std::string got;
  auto r = client_->GetObject(bucket_, "ranged", 1000, 5000, [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 100000u);  // the total, from Content-Range
  EXPECT_EQ(got, expected.substr(1000, 5000));
  got.clear();
  ASSERT_TRUE(client_->GetObject(bucket_, "ranged", 0, 0, [&](std::string_view c) {
                       got.append(c);
                       return true;
                     }).ok());
  EXPECT_EQ(got, expected);
}

TEST_P(S3ClientTest, AwkwardKeysWrittenByFerryAreListedByBoto) {
  std::vector<std::string> keys = AwkwardKeys(server_.name);
  for (const auto& key : keys) {
    auto etag = client_->PutObject(bucket_, key, key, {});
    ASSERT_TRUE(etag.ok()) << "key '" << key << "': " << etag.status().ToString();
  }
  std::vector<std::string> listed = Oracle(server_.name, {"list", bucket_});
  std::sort(keys.begin(), keys.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, keys);
  for (const auto& key : keys) {
    std::string got;
    auto r = client_->GetObject(bucket_, key, 0, 0, [&](std::string_view c) {
      got.append(c);
      return true;
    });
    ASSERT_TRUE(r.ok()) << key << ": " << r.status().ToString();
    EXPECT_EQ(got, key);
  }
}

TEST_P(S3ClientTest, KeyOf1024BytesRoundTrips) {
  // Path segments stay under the 255-byte file-name limit of file-backed stores.
  std::string key;
  while (key.size() < 1000) key += std::string(99, static_cast<char>('a' + key.size() % 26)) + "/";
  key += std::string(1024 - key.size(), 'z');
  ASSERT_EQ(key.size(), 1024u);
  auto etag = client_->PutObject(bucket_, key, "long", {});
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(Oracle(server_.name, {"list", bucket_}), nlohmann::json::array({key}));
  auto page = client_->ListObjectsV2({.bucket = bucket_});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, key);
}

TEST_P(S3ClientTest, ListingPaginatesAndDecodesAwkwardKeysWrittenByBoto) {
  nlohmann::json keys = AwkwardKeys(server_.name);
  Oracle(server_.name, {"put", bucket_, "-", "3"}, keys.dump());
  std::vector<std::string> listed;
  ListObjectsRequest request{.bucket = bucket_, .max_keys = 4};
  int pages = 0;
  for (;;) {
    auto page = client_->ListObjectsV2(request);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    for (const auto& o : page->objects) {
      listed.push_back(o.key);
      EXPECT_EQ(o.size, 3u);
      EXPECT_FALSE(o.etag.empty());
      EXPECT_FALSE(o.last_modified.empty());
    }
    if (!page->is_truncated) break;
    request.continuation_token = page->next_continuation_token;
  }
  EXPECT_GE(pages, 4);
  std::vector<std::string> expected = Oracle(server_.name, {"list", bucket_});
  EXPECT_EQ(listed, expected);  // same keys, same (byte) order as boto3 sees them
}

TEST_P(S3ClientTest, DelimiterAndStartAfter) {
  nlohmann::json keys = {"a/1", "a/2", "b/1", "top", "z"};
  Oracle(server_.name, {"put", bucket_, "-", "1"}, keys.dump());
  auto page = client_->ListObjectsV2({.bucket = bucket_, .delimiter = "/"});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"a/", "b/"}));
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "top");
  auto after = client_->ListObjectsV2({.bucket = bucket_, .start_after = "b/1"});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->objects.size(), 2u);
  EXPECT_EQ(after->objects[0].key, "top");
  auto prefixed = client_->ListObjectsV2({.bucket = bucket_, .prefix = "a/"});
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->objects.size(), 2u);
}

TEST_P(S3ClientTest, MultipartUploadCompletesAndBotoReadsIt) {
  const std::string part1 = PatternBytes(5 * 1024 * 1024);
  const std::string part2 = "tail!";
  auto upload = client_->CreateMultipartUpload(bucket_, "mp/object", {.content = {.content_type = "x/y"}});
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  auto e1 = client_->UploadPart(bucket_, "mp/object", *upload, 1, part1,
                                {.content_md5 = Md5Base64(part1)});
  ASSERT_TRUE(e1.ok()) << e1.status().ToString();
  auto e2 = client_->UploadPart(bucket_, "mp/object", *upload, 2, part2,
                                {.content_md5 = Md5Base64(part2)});
  ASSERT_TRUE(e2.ok()) << e2.status().ToString();

  auto parts = client_->ListParts(bucket_, "mp/object", *upload);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->parts.size(), 2u);
  EXPECT_EQ(parts->parts[0].size, part1.size());
  EXPECT_EQ(parts->parts[1].etag, *e2);
  auto uploads = client_->ListMultipartUploads(bucket_, "mp/");
  ASSERT_TRUE(uploads.ok()) << uploads.status().ToString();
  ASSERT_EQ(uploads->uploads.size(), 1u);
  EXPECT_EQ(uploads->uploads[0].upload_id, *upload);

  auto etag = client_->CompleteMultipartUpload(bucket_, "mp/object", *upload,
                                               {{1, *e1, ""}, {2, *e2, ""}});
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  auto head = Oracle(server_.name, {"head", bucket_, "mp/object"});
  EXPECT_EQ(head["size"], part1.size() + part2.size());
  EXPECT_EQ(head["md5"], Md5Hex(part1 + part2));
  EXPECT_EQ(head["etag"], *etag);
  EXPECT_TRUE(std::string(head["etag"]).ends_with("-2"));
  EXPECT_TRUE(Oracle(server_.name, {"list-uploads", bucket_}).empty());
}

TEST_P(S3ClientTest, AbortLeavesNoUploadBehind) {
  auto upload = client_->CreateMultipartUpload(bucket_, "abandoned", {});
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  ASSERT_TRUE(client_->UploadPart(bucket_, "abandoned", *upload, 1, "data", {}).ok());
  ASSERT_EQ(Oracle(server_.name, {"list-uploads", bucket_}).size(), 1u);
  Status st = client_->AbortMultipartUpload(bucket_, "abandoned", *upload);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(Oracle(server_.name, {"list-uploads", bucket_}).empty());
  EXPECT_TRUE(Oracle(server_.name, {"list", bucket_}).empty());
}

TEST_P(S3ClientTest, ServerSideCopyAndUploadPartCopy) {
  Oracle(server_.name, {"put", bucket_, "src key+1", "6000000"});
  auto etag = client_->CopyObject(bucket_, "src key+1", bucket_, "copy/whole", {}, false);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  const std::string expected_md5 = Md5Hex(PatternBytes(6000000));
  EXPECT_EQ(Oracle(server_.name, {"head", bucket_, "copy/whole"})["md5"], expected_md5);

  auto upload = client_->CreateMultipartUpload(bucket_, "copy/parts", {});
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  const uint64_t split = 5 * 1024 * 1024;
  auto p1 = client_->UploadPartCopy(bucket_, "src key+1", 0, split - 1, bucket_, "copy/parts",
                                    *upload, 1);
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  auto p2 = client_->UploadPartCopy(bucket_, "src key+1", split, 6000000 - 1, bucket_,
                                    "copy/parts", *upload, 2);
  ASSERT_TRUE(p2.ok()) << p2.status().ToString();
  auto done = client_->CompleteMultipartUpload(bucket_, "copy/parts", *upload,
                                               {{1, *p1, ""}, {2, *p2, ""}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(Oracle(server_.name, {"head", bucket_, "copy/parts"})["md5"], expected_md5);
}

TEST_P(S3ClientTest, DeleteObjectsRemovesAwkwardKeys) {
  nlohmann::json keys = AwkwardKeys(server_.name);
  Oracle(server_.name, {"put", bucket_, "-", "1"}, keys.dump());
  auto result = client_->DeleteObjects(bucket_, AwkwardKeys(server_.name));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->errors.empty());
  EXPECT_TRUE(Oracle(server_.name, {"list", bucket_}).empty());
}

TEST_P(S3ClientTest, TaggingRoundTrips) {
  ASSERT_TRUE(client_->PutObject(bucket_, "tagged", "x", {}).ok());
  Status st = client_->PutObjectTagging(bucket_, "tagged", {{"team", "data"}, {"k 2", "v=2 +x"}});
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto tags = Oracle(server_.name, {"get-tags", bucket_, "tagged"});
  EXPECT_EQ(tags["team"], "data");
  EXPECT_EQ(tags["k 2"], "v=2 +x");
  auto mine = client_->GetObjectTagging(bucket_, "tagged");
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->size(), 2u);
}

TEST_P(S3ClientTest, BucketCallsAndMissingBucketError) {
  EXPECT_TRUE(client_->HeadBucket(bucket_).ok());
  auto missing = client_->ListObjectsV2({.bucket = bucket_ + "-missing"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_EQ(missing.error().service_code(), "NoSuchBucket");
  EXPECT_NE(missing.error().ToString().find("destination: bucket '" + bucket_ + "-missing'"),
            std::string::npos)
      << missing.error().ToString();
  EXPECT_EQ(client_->HeadBucket(bucket_ + "-missing").code(), Code::kNotFound);
}

TEST_P(S3ClientTest, MissingKeyIsNotFound) {
  auto head = client_->HeadObject(bucket_, "nope");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code(), Code::kNotFound);
}

TEST_P(S3ClientTest, RefusedConnectionIsRetriedThenNamesEndpoint) {
  auto client = MakeClient(server_.access_key, server_.secret_key, "http://127.0.0.1:1");
  auto page = client->ListObjectsV2({.bucket = bucket_});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), Code::kUnavailable);
  EXPECT_NE(page.error().ToString().find("127.0.0.1:1"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(RealServers, S3ClientTest,
                         ::testing::Values("seaweed_a", "seaweed_b", "moto"));

// SeaweedFS checks keys (moto accepts any): a wrong secret or key must be refused, not retried.
TEST(S3ClientAuth, WrongKeysAreRejectedAndNotRetried) {
  TestServer server = LoadServer("seaweed_a");
  auto http = std::make_shared<net::HttpClient>();
  S3Config config{.endpoint = server.endpoint, .region = server.region, .side = Side::kSource};
  for (auto [id, secret] : {std::pair{server.access_key, std::string("wrong-secret")},
                            std::pair{std::string("AKIDWRONG"), server.secret_key}}) {
    auto client = S3Client::Create(config, std::make_shared<FixedKeys>(id, secret), http);
    ASSERT_TRUE(client.ok());
    const auto start = std::chrono::steady_clock::now();
    auto page = (*client)->ListObjectsV2({.bucket = "any-bucket"});
    ASSERT_FALSE(page.ok());
    EXPECT_TRUE(page.error().code() == Code::kUnauthenticated ||
                page.error().code() == Code::kPermissionDenied)
        << page.error().ToString();
    EXPECT_FALSE(page.error().IsRetryable());
    EXPECT_EQ(page.error().side(), Side::kSource);
    EXPECT_EQ(page.error().ToString().find(secret), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
}

TEST(S3ClientVersions, ListsVersionsAndDeleteMarkersOnMoto) {
  TestServer server = LoadServer("moto");
  const std::string bucket = UniqueBucket();
  Oracle("moto", {"create-bucket", bucket, "--versioning"});
  auto http = std::make_shared<net::HttpClient>();
  auto client = S3Client::Create({.endpoint = server.endpoint, .region = server.region},
                                 std::make_shared<FixedKeys>(server.access_key, server.secret_key),
                                 http);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->PutObject(bucket, "v key", "one", {}).ok());
  ASSERT_TRUE((*client)->PutObject(bucket, "v key", "two", {}).ok());
  ASSERT_TRUE((*client)->DeleteObjects(bucket, {"v key"}).ok());
  auto page = (*client)->ListObjectVersions({.bucket = bucket});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  int versions = 0, markers = 0;
  for (const auto& v : page->versions) {
    EXPECT_EQ(v.key, "v key");
    (v.is_delete_marker ? markers : versions)++;
  }
  EXPECT_EQ(versions, 2);
  EXPECT_EQ(markers, 1);
  Oracle("moto", {"delete-bucket", bucket});
}

}  // namespace
}  // namespace ferry::s3
