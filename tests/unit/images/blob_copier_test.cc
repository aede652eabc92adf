// BlobCopier between two fake registries: digests checked before an upload is
// closed, chunked uploads reassembled exactly from ranged reads.
#include "images/blob_copier.h"

#include <gtest/gtest.h>

#include <mutex>
#include <regex>

#include "images/digest.h"
#include "unit/net/loopback_server.h"

namespace ferry::images {
namespace {

using testing::LoopbackServer;

const std::string kBlob = "0123456789abcdefghij";  // 20 bytes

// Serves kBlob (or `served` instead), honouring Range.
class FakeSource {
 public:
  explicit FakeSource(std::string served = kBlob) : served_(std::move(served)) {
    server_.Handle([this](const std::string& head, const std::string&) -> LoopbackServer::Reply {
      std::smatch m;
      static const std::regex kRange("Range: bytes=(\\d+)-(\\d+)");
      if (std::regex_search(head, m, kRange)) {
        const size_t from = std::stoul(m[1]), to = std::stoul(m[2]);
        return {206, "", served_.substr(from, to - from + 1)};
      }
      return {200, "", served_};
    });
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(server_.port()); }

 private:
  std::string served_;
  LoopbackServer server_;
};

// Accepts uploads and records what it was sent.
class FakeDestination {
 public:
  FakeDestination() {
    server_.Handle([this](const std::string& head, const std::string& body) {
      return Answer(head, body);
    });
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  std::string received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  LoopbackServer::Reply Answer(const std::string& head, const std::string& body) {
    const std::string line = head.substr(0, head.find(" HTTP/"));
    std::lock_guard lock(mu_);
    requests_.push_back(line.substr(0, line.find('?')));
    const std::string location = "Location: http://" + host() + "/v2/app/blobs/uploads/u1\r\n";
    if (line.starts_with("HEAD ")) return {404, "", ""};
    if (line.starts_with("POST ")) return {202, location, ""};
    if (line.starts_with("PATCH ")) {
      received_ += body;
      return {202, location, ""};
    }
    if (line.starts_with("PUT ")) {
      received_ += body;
      const bool digest_ok = line.find("digest=" + DigestOf(received_)) != std::string::npos;
      return {digest_ok ? 201 : 400, "", ""};
    }
    return {204, "", ""};  // DELETE
  }

  std::mutex mu_;
  std::string received_;               // guarded by mu_
  std::vector<std::string> requests_;  // guarded by mu_
  LoopbackServer server_;
};

RegistryClient Client(const std::string& host, bool push) {
  RegistryOptions options;
  options.host = host;
  options.plain_http = true;
  options.push = push;
  options.side = push ? Side::kDestination : Side::kSource;
  return RegistryClient(options, std::make_shared<net::HttpClient>(),
                        std::make_shared<FixedLoginSource>(std::nullopt, ""));
}

Descriptor BlobDescriptor() {
  return {"application/octet-stream", DigestOf(kBlob), kBlob.size(), ""};
}

TEST(BlobCopier, SmallBlobGoesInOnePut) {
  FakeSource source;
  FakeDestination destination;
  auto src = Client(source.host(), false);
  auto dst = Client(destination.host(), true);
  CopyCounters counters;
  BlobCopier copier(src, dst, 1 << 20, counters);
  Status st = copier.Copy("app", "app", BlobDescriptor(), {});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(destination.received(), kBlob);
  EXPECT_EQ(counters.blobs_uploaded, 1u);
  EXPECT_EQ(dst.counts().upload_chunks, 0u);
}

TEST(BlobCopier, LargeBlobGoesInChunksFromRangedReads) {
  FakeSource source;
  FakeDestination destination;
  auto src = Client(source.host(), false);
  auto dst = Client(destination.host(), true);
  CopyCounters counters;
  BlobCopier copier(src, dst, 8, counters);  // 20 bytes: 8 + 8 + 4
  Status st = copier.Copy("app", "app", BlobDescriptor(), {});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(destination.received(), kBlob);
  EXPECT_EQ(dst.counts().upload_chunks, 3u);
  EXPECT_EQ(src.counts().blob_gets, 3u);
}

TEST(BlobCopier, TamperedBytesAreNeverCommitted) {
  for (uint64_t chunk : {uint64_t{1} << 20, uint64_t{8}}) {
    FakeSource source("0123456789abcdefghiX");  // same size, other bytes
    FakeDestination destination;
    auto src = Client(source.host(), false);
    auto dst = Client(destination.host(), true);
    CopyCounters counters;
    BlobCopier copier(src, dst, chunk, counters);
    Status st = copier.Copy("app", "app", BlobDescriptor(), {});
    EXPECT_EQ(st.code(), Code::kDataLoss) << st.ToString();
    EXPECT_NE(st.message().find(DigestOf(kBlob)), std::string::npos);
    const auto requests = destination.requests();
    for (const auto& r : requests) EXPECT_FALSE(r.starts_with("PUT ")) << chunk;
    ASSERT_FALSE(requests.empty());
    EXPECT_TRUE(requests.back().starts_with("DELETE ")) << chunk;  // the session is dropped
    EXPECT_EQ(counters.blobs_uploaded, 0u);
  }
}

TEST(BlobCopier, BlobAlreadyThereIsNotSent) {
  FakeSource source;
  LoopbackServer present;  // answers 200 to every HEAD
  auto src = Client(source.host(), false);
  auto dst = Client("127.0.0.1:" + std::to_string(present.port()), true);
  CopyCounters counters;
  BlobCopier copier(src, dst, 1 << 20, counters);
  ASSERT_TRUE(copier.Copy("app", "app", BlobDescriptor(), {}).ok());
  EXPECT_EQ(counters.blobs_existing, 1u);
  EXPECT_EQ(src.counts().blob_gets, 0u);
  EXPECT_EQ(dst.counts().upload_starts, 0u);
}

}  // namespace
}  // namespace ferry::images
