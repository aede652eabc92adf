#include "service/account_store.h"

#include <gtest/gtest.h>

#include "service/password.h"
#include "service/secret_box.h"
#include "unit/scratch_dir.h"

namespace ferry::service {
namespace {

std::unique_ptr<Database> OpenDb(const ferry::testing::ScratchDir& dir) {
  EXPECT_TRUE(InitCrypto().ok());
  auto db = Database::Open(dir / "accounts.db");
  EXPECT_TRUE(db.ok());
  return std::move(*db);
}

TEST(AccountStoreTest, PasswordsTokensAndRoles) {
  ferry::testing::ScratchDir dir("accounts_");
  auto db = OpenDb(dir);
  AccountStore accounts(*db);
  ASSERT_TRUE(accounts.CreateUser("alice", "password-1", Role::kOperator).ok());
  EXPECT_EQ(accounts.CreateUser("alice", "password-2", Role::kViewer).code(),
            Code::kAlreadyExists);
  EXPECT_EQ(accounts.CreateUser("bob", "short", Role::kViewer).code(), Code::kInvalidArgument);
  EXPECT_EQ(accounts.CreateUser("b o b", "password-1", Role::kViewer).code(),
            Code::kInvalidArgument);

  EXPECT_EQ(accounts.CheckPassword("alice", "wrong-pass").status().code(),
            Code::kUnauthenticated);
  EXPECT_EQ(accounts.CheckPassword("nobody", "password-1").status().code(),
            Code::kUnauthenticated);
  auto user = accounts.CheckPassword("alice", "password-1");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->role, Role::kOperator);

  auto issued = accounts.IssueToken("alice", "api", "ci", 0);
  ASSERT_TRUE(issued.ok());
  auto who = accounts.Authenticate(issued->token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->user.username, "alice");
  EXPECT_EQ(accounts.Authenticate(issued->token + "x").status().code(), Code::kUnauthenticated);

  auto expired = accounts.IssueToken("alice", "session", "login", -1);
  ASSERT_TRUE(expired.ok());
  auto tokens = accounts.ListTokens("alice");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->size(), 2u);

  ASSERT_TRUE(accounts.RevokeToken(issued->info.id, "alice").ok());
  EXPECT_EQ(accounts.Authenticate(issued->token).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(accounts.RevokeToken(issued->info.id, "alice").code(), Code::kNotFound);

  auto again = accounts.IssueToken("alice", "api", "ci", 0);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(accounts.DeleteUser("alice").ok());
  EXPECT_EQ(accounts.Authenticate(again->token).status().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace ferry::service
