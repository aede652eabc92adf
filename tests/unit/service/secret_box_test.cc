#include "service/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "service/password.h"
#include "unit/scratch_dir.h"

namespace ferry::service {
namespace {


TEST(SecretBoxTest, CreatesThePrivateKeyOnceAndOpensWhatItSealed) {
  ASSERT_TRUE(InitCrypto().ok());
  ferry::testing::ScratchDir dir("secret_box_");
  const std::string path = dir / "secret.key";
  SecretBox::Sealed sealed;
  {
    auto box = SecretBox::OpenKeyFile(path);
    ASSERT_TRUE(box.ok()) << box.error().ToString();
    sealed = box->Seal("AKIA-secret-value");
    EXPECT_EQ(sealed.ciphertext.find("AKIA"), std::string::npos);
  }
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto reopened = SecretBox::OpenKeyFile(path);  // the same key, read back
  ASSERT_TRUE(reopened.ok());
  auto plain = reopened->Open(sealed);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "AKIA-secret-value");
}

TEST(SecretBoxTest, TamperedOrForeignCiphertextIsRefused) {
  ASSERT_TRUE(InitCrypto().ok());
  ferry::testing::ScratchDir dir("secret_box_");
  auto a = SecretBox::OpenKeyFile(dir / "a.key");
  auto b = SecretBox::OpenKeyFile(dir / "b.key");
  ASSERT_TRUE(a.ok() && b.ok());
  SecretBox::Sealed sealed = a->Seal("value");
  EXPECT_EQ(b->Open(sealed).status().code(), Code::kDataLoss);
  sealed.ciphertext[0] ^= 1;
  EXPECT_EQ(a->Open(sealed).status().code(), Code::kDataLoss);
}

TEST(SecretBoxTest, RefusesAKeyFileOthersCanRead) {
  ASSERT_TRUE(InitCrypto().ok());
  ferry::testing::ScratchDir dir("secret_box_");
  const std::string path = dir / "open.key";
  std::ofstream(path) << std::string(32, 'k');
  ::chmod(path.c_str(), 0644);
  auto box = SecretBox::OpenKeyFile(path);
  ASSERT_FALSE(box.ok());
  EXPECT_NE(box.error().hint().find("chmod 600"), std::string::npos);
}

TEST(PasswordTest, Argon2idHashesVerifyOnlyTheRightPassword) {
  ASSERT_TRUE(InitCrypto().ok());
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_NE(RandomHex(16), RandomHex(16));
  EXPECT_EQ(TokenDigest("x"), TokenDigest("x"));
  EXPECT_NE(TokenDigest("x"), TokenDigest("y"));
}

}  // namespace
}  // namespace ferry::service
