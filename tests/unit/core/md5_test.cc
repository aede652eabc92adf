#include "core/md5.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

// Vectors from Python's hashlib and base64.
TEST(Md5, DigestsInHexAndBase64) {
  EXPECT_EQ(Md5::Hex(Md5::Digest("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5::Hex(Md5::Digest("hello world")), "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_EQ(Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Md5Base64("hello world"), "XrY7u+Ae7tCTyyK7j1rNww==");
}

TEST(Md5, IncrementalEqualsOneShot) {
  Md5 md5;
  md5.Update("hello ");
  md5.Update("");
  md5.Update("world");
  EXPECT_EQ(md5.Finish(), Md5::Digest("hello world"));
}

TEST(Md5, UnhexesEtagsOfThirtyTwoHexDigitsOnly) {
  const std::string digest = Md5::Digest("hello world");
  EXPECT_EQ(Md5::Unhex("5eb63bbbe01eeed093cb22bb8f5acdc3"), digest);
  EXPECT_EQ(Md5::Unhex("5EB63BBBE01EEED093CB22BB8F5ACDC3"), digest);
  EXPECT_EQ(Md5::Unhex("5eb63bbbe01eeed093cb22bb8f5acdc3-2"), "");
  EXPECT_EQ(Md5::Unhex("5eb63bbbe01eeed093cb22bb8f5acdcx"), "");
}

}  // namespace
}  // namespace ferry
