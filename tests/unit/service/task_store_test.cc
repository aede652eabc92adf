#include "service/task_store.h"

#include <gtest/gtest.h>

#include "service/credential_store.h"
#include "service/password.h"
#include "service/secret_box.h"
#include "service/task_check.h"
#include "unit/scratch_dir.h"

namespace ferry::service {
namespace {

class TaskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    auto db = Database::Open(scratch_ / "tasks.db");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    store_ = std::make_unique<TaskStore>(*db_);
  }

  Task MakeTask(const std::string& id) {
    Task t;
    t.id = id;
    t.spec.sync.source = "s3://a";
    t.spec.sync.destination = "s3://b";
    t.spec.name = "t " + id;
    t.created_at = t.updated_at = NowSeconds();
    t.created_by = "admin";
    return t;
  }

  ferry::testing::ScratchDir scratch_{"tasks_"};  // first: removed after the database closes
  std::unique_ptr<Database> db_;
  std::unique_ptr<TaskStore> store_;
};

TEST_F(TaskStoreTest, TasksRunsAndDueTimes) {
  Task t = MakeTask("t1");
  ASSERT_TRUE(store_->Insert(t).ok());
  t.state = TaskState::kWaiting;
  t.next_run_at = 100;
  ASSERT_TRUE(store_->Update(t).ok());
  EXPECT_TRUE(store_->Due(99)->empty());
  ASSERT_EQ(store_->Due(100)->size(), 1u);
  EXPECT_EQ(**store_->NextWake(), 100);

  service::Run r1{.id = "r1", .task_id = "t1", .trigger = "start", .started_at = 1};
  service::Run r2{.id = "r2", .task_id = "t1", .trigger = "schedule", .started_at = 2};
  ASSERT_TRUE(store_->InsertRun(r1).ok());
  ASSERT_TRUE(store_->InsertRun(r2).ok());
  EXPECT_EQ(r2.number, 2);
  EXPECT_EQ(store_->UnfinishedRuns()->size(), 2u);
  r1.state = RunState::kCompleted;
  r1.progress.objects_done = 3;
  r1.progress.failures.push_back({"k", 5, "boom"});
  ASSERT_TRUE(store_->UpdateRun(r1).ok());
  auto back = store_->GetRun("r1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->progress.objects_done, 3u);
  ASSERT_EQ(back->progress.failures.size(), 1u);
  EXPECT_EQ(back->progress.failures[0].error, "boom");
  EXPECT_EQ(store_->UnfinishedRuns()->size(), 1u);
  auto runs = store_->ListRuns("t1", 10);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, "r2");  // newest first

  ASSERT_TRUE(store_->Delete("t1").ok());
  EXPECT_EQ(store_->GetRun("r1").status().code(), Code::kNotFound);  // cascaded
  EXPECT_EQ(store_->Get("t1").status().code(), Code::kNotFound);
}

TEST_F(TaskStoreTest, LogsPageAndFilter) {
  ASSERT_TRUE(store_->Insert(MakeTask("t1")).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->AppendLog("t1", i < 3 ? "r1" : "r2", i % 2 ? "error" : "info",
                                  "line " + std::to_string(i))
                    .ok());
  }
  LogQuery q{.task_id = "t1", .limit = 2};
  auto page1 = store_->Logs(q);
  ASSERT_EQ(page1->size(), 2u);
  q.after_id = page1->back().id;
  auto page2 = store_->Logs(q);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_EQ((*page2)[0].message, "line 2");
  EXPECT_EQ(store_->Logs({.task_id = "t1", .run_id = "r2"})->size(), 2u);
  EXPECT_EQ(store_->Logs({.task_id = "t1", .min_level = "error"})->size(), 2u);
}

TEST_F(TaskStoreTest, CredentialsAreSealedOwnedBoundAndChecksNameThem) {
  auto box = SecretBox::OpenKeyFile(scratch_ / "secret.key");
  ASSERT_TRUE(box.ok());
  CredentialStore creds(*db_, *box);
  auth::Credentials keys;
  keys.access_key_id = "AKIDEXAMPLE";
  keys.secret_access_key = "very-secret";
  const std::vector<std::string> bound = {"https://s3.amazonaws.com", "http://10.1.2.3:9000"};
  ASSERT_TRUE(creds.Create("prod", keys, bound, "alice").ok());
  EXPECT_EQ(creds.Get("prod")->secret_access_key, "very-secret");
  EXPECT_EQ(creds.Create("bad name", keys, bound, "alice").code(), Code::kInvalidArgument);
  // INSERT OR REPLACE let anyone overwrite a credential: a taken name is 409 now.
  EXPECT_EQ(creds.Create("prod", keys, bound, "mallory").code(), Code::kAlreadyExists);
  EXPECT_EQ(creds.Info("prod")->owner, "alice");
  keys.secret_access_key = "rotated";
  ASSERT_TRUE(creds.Replace("prod", keys, bound).ok());
  EXPECT_EQ(creds.Get("prod")->secret_access_key, "rotated");
  EXPECT_EQ(creds.Info("prod")->owner, "alice");
  EXPECT_EQ(creds.Replace("none", keys, bound).code(), Code::kNotFound);

  TaskCheckContext context;
  context.credential_info = [&](const std::string& n) { return creds.Info(n); };
  const TaskActor alice{"alice", Role::kOperator};
  const TaskActor mallory{"mallory", Role::kOperator};
  const TaskActor admin{"root", Role::kAdmin};
  TaskSpec spec;
  spec.sync.source = "s3://a";
  spec.sync.src.region = "eu-west-1";  // Amazon S3: bound through https://s3.amazonaws.com
  spec.sync.destination = "s3://b";
  spec.sync.dst.endpoint = "http://10.1.2.3:9000";
  spec.src_credential = "prod";
  spec.dst_credential = "prod";
  EXPECT_TRUE(CheckTaskSpec(spec, context, alice).ok());
  EXPECT_TRUE(CheckTaskSpec(spec, context, admin).ok());
  Status st = CheckTaskSpec(spec, context, mallory);
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("belongs to 'alice'"), std::string::npos) << st.ToString();
  // The owner's credential pointed at another endpoint: refused, even for its owner.
  spec.sync.dst.endpoint = "http://attacker.example:9000";
  st = CheckTaskSpec(spec, context, alice);
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("is bound to"), std::string::npos) << st.ToString();
  spec.sync.dst.endpoint = "http://10.1.2.3:9000";
  spec.dst_credential = "missing";
  st = CheckTaskSpec(spec, context, alice);
  EXPECT_NE(st.message().find("'missing', which does not exist"), std::string::npos);
  // No credential: the server's own chain, refused unless the flag and an admin.
  spec.dst_credential.clear();
  EXPECT_EQ(CheckTaskSpec(spec, context, admin).code(), Code::kPermissionDenied);
  spec.sync.dst.secret = "/etc/ferry/keys.json";
  EXPECT_EQ(CheckTaskSpec(spec, context, alice).code(), Code::kPermissionDenied);
  context.allow_server_credentials = true;
  EXPECT_EQ(CheckTaskSpec(spec, context, alice).code(), Code::kPermissionDenied);
  EXPECT_TRUE(CheckTaskSpec(spec, context, admin).ok());
  spec.sync.dst.secret.clear();
  spec.sync.dst.no_sign_request = true;
  EXPECT_TRUE(CheckTaskSpec(spec, context, alice).ok());

  spec.sync.destination = "/tmp/x";
  st = CheckTaskSpec(spec, context, alice);
  EXPECT_NE(st.message().find("does not allow local folders"), std::string::npos);
  context.local_root = "/srv/data";
  EXPECT_NE(CheckTaskSpec(spec, context, alice).message().find("outside"), std::string::npos);
  spec.sync.destination = "/srv/data/../etc";
  EXPECT_FALSE(CheckTaskSpec(spec, context, alice).ok());
  spec.sync.destination = "/srv/data/x";
  EXPECT_TRUE(CheckTaskSpec(spec, context, alice).ok());
}

TEST_F(TaskStoreTest, ANamedEndpointCannotBeCombinedWithAnotherUrl) {
  TaskCheckContext context;
  job::EndpointSettings oss;
  oss.endpoint = "https://oss-cn-hangzhou.aliyuncs.com";
  oss.secret = "/etc/ferry/oss.json";
  context.configs["oss"] = oss;
  TaskSpec spec;
  spec.sync.source = "oss:bucket/data";
  spec.sync.destination = "s3://b";
  spec.sync.dst.no_sign_request = true;
  const TaskActor op{"otto", Role::kOperator};
  EXPECT_TRUE(CheckTaskSpec(spec, context, op).ok());  // the admin's keys, at their own URL
  spec.sync.src.endpoint = "https://attacker.example";
  Status st = CheckTaskSpec(spec, context, op);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("cannot be combined with the named endpoint 'oss'"),
            std::string::npos)
      << st.ToString();
}

TEST_F(TaskStoreTest, PrivateTargetsAreRefusedByAddress) {
  TaskCheckContext context;
  context.targets = std::make_shared<net::TargetPolicy>();
  TaskSpec spec;
  spec.sync.source = "s3://a";
  spec.sync.src.no_sign_request = true;
  spec.sync.destination = "s3://b";
  spec.sync.dst.no_sign_request = true;
  const TaskActor op{"otto", Role::kOperator};
  for (const char* url : {"http://127.0.0.1:9000", "http://169.254.169.254", "http://[::1]:80",
                          "http://[fd00:ec2::254]", "http://0.0.0.0:9000",
                          "http://[::ffff:127.0.0.1]:9"}) {
    spec.sync.dst.endpoint = url;
    EXPECT_EQ(CheckTaskSpec(spec, context, op).code(), Code::kPermissionDenied) << url;
  }
  spec.sync.dst.endpoint = "http://10.0.0.5:9000";
  EXPECT_TRUE(CheckTaskSpec(spec, context, op).ok());
  spec.notify.webhook = "http://user:pw@169.254.169.254/latest/meta-data";
  EXPECT_EQ(CheckTaskSpec(spec, context, op).code(), Code::kPermissionDenied);
}

TEST_F(TaskStoreTest, PagesFilterAndCountTasksNewestFirst) {
  for (int i = 0; i < 120; ++i) {
    Task t = MakeTask("p" + std::to_string(1000 + i));
    t.spec.name = i % 10 == 0 ? "nightly " + std::to_string(i) : "task " + std::to_string(i);
    t.created_at = 1000 + i;
    if (i % 3 == 0) t.state = TaskState::kCompleted;
    ASSERT_TRUE(store_->Insert(t).ok());
  }
  TaskQuery q;
  q.limit = 50;
  auto page = store_->ListPage(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 120);
  ASSERT_EQ(page->tasks.size(), 50u);
  EXPECT_EQ(page->tasks.front().id, "p1119");  // newest first
  q.offset = 100;
  page = store_->ListPage(q);
  ASSERT_EQ(page->tasks.size(), 20u);
  EXPECT_EQ(page->tasks.back().id, "p1000");
  q = TaskQuery{};
  q.text = "NIGHTLY";  // case-insensitive, in the name
  page = store_->ListPage(q);
  EXPECT_EQ(page->total, 12);
  q.state = "Completed";  // and a state: every 30th task
  page = store_->ListPage(q);
  EXPECT_EQ(page->total, 4);
  q = TaskQuery{};
  q.text = "s3://b";  // in the destination
  EXPECT_EQ(store_->ListPage(q)->total, 120);
  q.text = "100%_'";  // LIKE wildcards and quotes are plain text
  EXPECT_EQ(store_->ListPage(q)->total, 0);
  auto none = store_->LastRun("p1000");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  service::Run r;
  r.id = "r1";
  r.task_id = "p1000";
  r.started_at = 5;
  ASSERT_TRUE(store_->InsertRun(r).ok());
  r.id = "r2";
  ASSERT_TRUE(store_->InsertRun(r).ok());
  auto last = store_->LastRun("p1000");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->id, "r2");
  EXPECT_EQ((*last)->number, 2);
}

}  // namespace
}  // namespace ferry::service
