#include "images/digest.h"

#include <gtest/gtest.h>

namespace ferry::images {
namespace {

TEST(Digest, OfKnownInputs) {
  EXPECT_EQ(DigestOf(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 streamed;
  streamed.Update("ab");
  streamed.Update("c");
  EXPECT_EQ(streamed.FinishDigest(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CheckDigest, AcceptsSha256AndRejectsTheRest) {
  EXPECT_TRUE(CheckDigest(DigestOf("x")).ok());
  EXPECT_EQ(CheckDigest("sha512:" + std::string(128, 'a')).code(), Code::kNotSupported);
  EXPECT_EQ(CheckDigest("sha256:ABC").code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckDigest("nocolon").code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::images
