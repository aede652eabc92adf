#include "job/sync_spec.h"

#include <gtest/gtest.h>

namespace ferry::job {
namespace {

Result<engine::RunOptions> WithMaxDelete(const std::string& text) {
  SyncSpec spec;
  spec.delete_extra = true;
  spec.max_delete = text;
  return MakeRunOptions(spec);
}

TEST(MakeRunOptions, MaxDeleteIsACountOrAPercentage) {
  auto count = WithMaxDelete("1000");
  ASSERT_TRUE(count.ok()) << count.error().ToString();
  EXPECT_EQ(count->max_delete_count, 1000u);
  EXPECT_FALSE(count->max_delete_percent.has_value());

  auto percent = WithMaxDelete("12.5%");
  ASSERT_TRUE(percent.ok()) << percent.error().ToString();
  EXPECT_EQ(percent->max_delete_percent, 12.5);
  EXPECT_FALSE(percent->max_delete_count.has_value());
}

TEST(MakeRunOptions, MaxDeleteOutOfRangeOrMalformedIsRefused) {
  for (const char* bad : {"200%", "-1", "1.5", "64M", "abc", "%", "10%%"}) {
    auto r = WithMaxDelete(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().ToString();
  }
}

TEST(MakeRunOptions, MultipartThresholdAboveTheSinglePutLimitIsRefused) {
  SyncSpec spec;
  spec.multipart_threshold = "5G";
  auto at_limit = MakeRunOptions(spec);
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->transfer.multipart_threshold, uint64_t{5} << 30);

  spec.multipart_threshold = "6G";
  auto over = MakeRunOptions(spec);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), Code::kInvalidArgument);
  EXPECT_NE(over.error().message().find("--multipart-threshold 6G"), std::string::npos)
      << over.error().ToString();
}

TEST(MakeRunOptions, AnOptionThatNeedsAnotherIsRefusedWithoutIt) {
  SyncSpec max_delete;
  max_delete.max_delete = "10";
  auto r = MakeRunOptions(max_delete);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("--delete"), std::string::npos) << r.error().ToString();

  SyncSpec kms;
  kms.sse_kms_key_id = "alias/k";
  r = MakeRunOptions(kms);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("--sse aws:kms"), std::string::npos) << r.error().ToString();
  kms.sse = "aws:kms";
  EXPECT_TRUE(MakeRunOptions(kms).ok());
}

TEST(CheckCredentialChoice, OneSourceOfCredentialsPerSide) {
  EndpointSettings both;
  both.secret = "keys.json";
  both.profile = "prod";
  Status st = CheckCredentialChoice(both, "--src-");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("--src-secret and --src-profile"), std::string::npos) << st.message();

  for (bool with_secret : {true, false}) {
    EndpointSettings unsigned_and;
    unsigned_and.no_sign_request = true;
    (with_secret ? unsigned_and.secret : unsigned_and.profile) = "x";
    st = CheckCredentialChoice(unsigned_and, "--");
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_NE(st.message().find("--no-sign-request"), std::string::npos) << st.message();
  }
  EndpointSettings one;
  one.profile = "prod";
  EXPECT_TRUE(CheckCredentialChoice(one, "--").ok());
}

TEST(EndpointSettingsOver, ASidesCredentialChoiceReplacesTheSharedOneWhole) {
  EndpointSettings shared;
  shared.endpoint = "http://shared";
  shared.secret = "shared.json";
  EndpointSettings side;
  side.profile = "src-profile";
  EndpointSettings merged = side.Over(shared);
  EXPECT_EQ(merged.endpoint, "http://shared");
  EXPECT_EQ(merged.profile, "src-profile");
  EXPECT_EQ(merged.secret, "") << "a profile and a secret would both be set";
  EXPECT_TRUE(CheckCredentialChoice(merged, "--src-").ok());
  EXPECT_EQ(EndpointSettings{}.Over(shared).secret, "shared.json");
}

}  // namespace
}  // namespace ferry::job
