// CheckTaskSpec for tasks of kind images: targets, stored credentials, ECR.
#include <gtest/gtest.h>

#include "service/task_check.h"

namespace ferry::service {
namespace {

class ImageTaskCheckTest : public ::testing::Test {
 protected:
  ImageTaskCheckTest() {
    context_.targets = std::make_shared<net::TargetPolicy>();  // refuses loopback
    context_.credential_info = [](const std::string& name) -> Result<CredentialInfo> {
      if (name == "otto-login") return CredentialInfo{name, "otto", {"https://reg.example"}};
      if (name == "ada-login") return CredentialInfo{name, "ada", {"https://reg.example"}};
      if (name == "otto-ecr") {
        return CredentialInfo{
            name, "otto", {"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"}};
      }
      return Status::NotFound(name);
    };
  }

  static TaskSpec Spec(std::string src, std::string dst) {
    TaskSpec spec;
    spec.kind = TaskKind::kImages;
    spec.images.source = std::move(src);
    spec.images.destination = std::move(dst);
    return spec;
  }

  TaskCheckContext context_;
  const TaskActor operator_{"otto", Role::kOperator};
  const TaskActor admin_{"root", Role::kAdmin};
};

TEST_F(ImageTaskCheckTest, PublicRegistriesAnonymouslyAndOwnCredentialsPass) {
  EXPECT_TRUE(CheckTaskSpec(Spec("reg.example/app", "other.example/app"), context_, operator_)
                  .ok());
  TaskSpec spec = Spec("reg.example/app", "reg.example/mirror");
  spec.src_credential = "otto-login";
  spec.dst_credential = "otto-login";
  Status st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_F(ImageTaskCheckTest, APrivateTargetIsRefusedUnlessAllowed) {
  TaskSpec spec = Spec("127.0.0.1:5000/app", "reg.example/app");
  spec.images.insecure_source = true;
  Status st = CheckTaskSpec(spec, context_, admin_);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("source: ", 0), 0u) << st.message();
  EXPECT_EQ(st.ToString().rfind("source: the address", 0), 0u) << st.ToString();  // once
  auto allowed = std::make_shared<net::TargetPolicy>();
  ASSERT_TRUE(allowed->Allow("loopback").ok());
  context_.targets = allowed;
  st = CheckTaskSpec(spec, context_, admin_);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_F(ImageTaskCheckTest, AnotherUsersCredentialIsRefused) {
  TaskSpec spec = Spec("reg.example/app", "other.example/app");
  spec.src_credential = "ada-login";
  Status st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("images.src_credential"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("belongs to 'ada'"), std::string::npos) << st.message();
  EXPECT_TRUE(CheckTaskSpec(spec, context_, admin_).ok());  // an admin may use it
}

TEST_F(ImageTaskCheckTest, ACredentialBoundElsewhereOrMissingIsRefused) {
  TaskSpec spec = Spec("reg.example/app", "other.example/app");
  spec.dst_credential = "otto-login";  // bound to reg.example, not other.example
  Status st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_EQ(st.side(), Side::kDestination);
  EXPECT_NE(st.message().find("images.dst_credential"), std::string::npos) << st.message();
  spec.dst_credential = "nobody";
  st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.message();
}

TEST_F(ImageTaskCheckTest, EcrNeedsAStoredCredentialUnlessTheServerLendsItsOwnToAdmins) {
  TaskSpec spec = Spec("reg.example/app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app");
  Status st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("destination is Amazon ECR"), std::string::npos) << st.message();
  EXPECT_EQ(CheckTaskSpec(spec, context_, admin_).code(), Code::kPermissionDenied);
  context_.allow_server_credentials = true;
  EXPECT_TRUE(CheckTaskSpec(spec, context_, admin_).ok());
  EXPECT_EQ(CheckTaskSpec(spec, context_, operator_).code(), Code::kPermissionDenied);
  spec.dst_credential = "otto-ecr";
  st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_F(ImageTaskCheckTest, MalformedReferencesAndSchedulesNameTheField) {
  Status st = CheckTaskSpec(Spec("reg.example/app", "reg.example/UPPER"), context_, operator_);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("destination", 0), 0u) << st.message();
  TaskSpec spec = Spec("reg.example/app", "other.example/app");
  spec.images.tag_globs = {"v1", "v(2)"};
  st = CheckTaskSpec(spec, context_, operator_);
  EXPECT_NE(st.message().find("images.tags item 2"), std::string::npos) << st.message();
  spec = Spec("reg.example/app", "other.example/app");
  spec.schedule = "rate(soon)";
  EXPECT_EQ(CheckTaskSpec(spec, context_, operator_).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::service
