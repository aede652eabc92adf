#include "images/manifest.h"

#include <gtest/gtest.h>

#include "images/digest.h"

namespace ferry::images {
namespace {

const std::string kA = DigestOf("a"), kB = DigestOf("b"), kC = DigestOf("c");

TEST(ParseManifest, IndexListsEveryPlatform) {
  const std::string index = R"({"schemaVersion": 2, "mediaType": ")" + std::string(kOciIndex) +
                            R"(", "manifests": [
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + kA +
                            R"(", "size": 10, "platform": {"os": "linux", "architecture": "amd64"}},
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + kB +
                            R"(", "size": 11, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]})";
  auto m = ParseManifest(index, kOciIndex);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->is_index);
  ASSERT_EQ(m->children.size(), 2u);
  EXPECT_EQ(m->children[0].digest, kA);
  EXPECT_EQ(m->children[0].platform, "linux/amd64");
  EXPECT_EQ(m->children[1].platform, "linux/arm64/v8");
  EXPECT_EQ(m->children[1].size, 11u);
  EXPECT_TRUE(m->blobs.empty());
}

TEST(ParseManifest, ImageBlobsAreConfigThenLayersWithoutForeignOnes) {
  const std::string image = R"({"schemaVersion": 2,
      "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": ")" +
                            kA + R"(", "size": 1},
      "layers": [
        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": ")" + kB +
                            R"(", "size": 2},
        {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "digest": ")" +
                            kC + R"(", "size": 3, "urls": ["https://x"]}]})";
  auto m = ParseManifest(image, std::string(kDockerManifest) + "; charset=utf-8");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->media_type, kDockerManifest);
  EXPECT_FALSE(m->is_index);
  ASSERT_EQ(m->blobs.size(), 2u);
  EXPECT_EQ(m->blobs[0].digest, kA);
  EXPECT_EQ(m->blobs[1].digest, kB);
}

TEST(ParseManifest, GenericContentTypeDefersToTheDocument) {
  const std::string list = R"({"mediaType": ")" + std::string(kDockerManifestList) +
                           R"(", "manifests": []})";
  auto m = ParseManifest(list, "application/json");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->media_type, kDockerManifestList);
  EXPECT_TRUE(m->is_index);
  auto untyped = ParseManifest(R"({"manifests": []})", "");
  ASSERT_TRUE(untyped.ok());
  EXPECT_EQ(untyped->media_type, kOciIndex);
}

TEST(ParseManifest, SubjectOfAReferrer) {
  const std::string referrer = R"({"mediaType": ")" + std::string(kOciManifest) +
                               R"(", "config": {"digest": ")" + kA + R"(", "size": 2},
      "layers": [], "subject": {"mediaType": ")" + std::string(kOciIndex) + R"(", "digest": ")" +
                               kB + R"(", "size": 9}})";
  auto m = ParseManifest(referrer, kOciManifest);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->subject);
  EXPECT_EQ(m->subject->digest, kB);
}

TEST(ParseManifest, SchemaOneAndGarbageAreRefused) {
  auto v1 = ParseManifest(R"({"schemaVersion": 1, "fsLayers": []})",
                          "application/vnd.docker.distribution.manifest.v1+prettyjws");
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.error().code(), Code::kNotSupported);
  EXPECT_NE(v1.error().hint().find("schema 1"), std::string::npos);
  EXPECT_FALSE(ParseManifest("not json", kOciManifest).ok());
  EXPECT_FALSE(ParseManifest(R"({"layers": []})", kOciManifest).ok());  // no config
  EXPECT_FALSE(ParseManifest(R"({"config": {"digest": "md5:x"}})", kOciManifest).ok());
}

}  // namespace
}  // namespace ferry::images
