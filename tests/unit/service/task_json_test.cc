#include "service/task_json.h"

#include <gtest/gtest.h>

namespace ferry::service {
namespace {

using nlohmann::json;

TEST(TaskJsonTest, RoundTripsEveryField) {
  json in = {{"name", "nightly"},
             {"schedule", "rate(1 hour)"},
             {"mode", "copy"},
             {"source", "s3://a/x"},
             {"destination", "s3://b/y"},
             {"source_endpoint", {{"endpoint", "http://127.0.0.1:9000"}, {"path_style", true},
                                  {"credential", "src-keys"}}},
             {"destination_endpoint", {{"region", "eu-west-1"}}},
             {"options", {{"delete", true}, {"transfers", 8}, {"max_delete", "10%"},
                          {"filters", {{{"include", "*.jpg"}}, {{"exclude", "tmp/*"}}}},
                          {"prefixes", {"a/", "b/"}}, {"bwlimit", "10M"}}},
             {"notify", {{"webhook", "http://127.0.0.1:1/hook"}}}};
  auto spec = TaskSpecFromJson(in);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->sync.mode, engine::RunMode::kCopy);
  EXPECT_EQ(spec->sync.src.endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(spec->sync.src.path_style);
  EXPECT_EQ(spec->src_credential, "src-keys");
  EXPECT_EQ(spec->sync.transfers, 8);
  ASSERT_EQ(spec->sync.filters.size(), 2u);
  EXPECT_TRUE(spec->sync.filters[0].first);
  EXPECT_EQ(spec->sync.filters[1].second, "tmp/*");
  auto again = TaskSpecFromJson(TaskSpecToJson(*spec));
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(TaskSpecToJson(*again), TaskSpecToJson(*spec));
}

TEST(TaskJsonTest, DefaultsNameAndMode) {
  auto spec = TaskSpecFromJson({{"source", "s3://a"}, {"destination", "s3://b"}});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->name, "s3://a -> s3://b");
  EXPECT_EQ(spec->schedule, "once");
  EXPECT_EQ(spec->sync.mode, engine::RunMode::kSync);
}

TEST(TaskJsonTest, RefusesWithTheFieldNamed) {
  struct Case {
    json in;
    const char* says;
  };
  const json base = {{"source", "s3://a"}, {"destination", "s3://b"}};
  auto with = [&](const char* key, json value) {
    json j = base;
    j[key] = std::move(value);
    return j;
  };
  for (const Case& c : {
           Case{json::array(), "must be a JSON object"},
           Case{{{"destination", "s3://b"}}, "no source"},
           Case{{{"source", "s3://a"}}, "no destination"},
           Case{with("sourse", "x"), "unknown field 'sourse'"},
           Case{with("mode", "move"), "mode 'move'"},
           Case{with("source", 5), "source must be a string"},
           Case{with("options", {{"transfers", 0}}), "options.transfers must be an integer"},
           Case{with("options", {{"transfers", "8"}}), "options.transfers"},
           Case{with("options", {{"delete", "yes"}}), "options.delete must be true or false"},
           Case{with("options", {{"deletee", true}}), "unknown field 'options.deletee'"},
           Case{with("options", {{"filters", {{{"keep", "x"}}}}}), "options.filters"},
           Case{with("source_endpoint", {{"endpoint", 1}}), "source_endpoint.endpoint"},
           Case{with("notify", {{"email", "a@b"}}), "unknown field 'notify.email'"},
       }) {
    auto spec = TaskSpecFromJson(c.in);
    ASSERT_FALSE(spec.ok()) << c.in.dump();
    EXPECT_EQ(spec.error().code(), Code::kInvalidArgument);
    EXPECT_NE(spec.error().message().find(c.says), std::string::npos)
        << c.in.dump() << " -> " << spec.error().message();
  }
}

TEST(TaskJsonTest, AnImagesTaskRoundTripsEveryField) {
  json in = {{"kind", "images"},
             {"name", "mirror"},
             {"schedule", "rate(1 hour)"},
             {"source", "127.0.0.1:5000/team"},
             {"destination", "127.0.0.1:5001/mirror"},
             {"images", {{"tags", {"v1", "release-*"}},
                         {"list", {"app", "tools:2"}},
                         {"insecure_source", true},
                         {"insecure_destination", true},
                         {"transfers", 4},
                         {"max_attempts", 2},
                         {"src_credential", "src-login"},
                         {"dst_credential", "dst-login"}}},
             {"notify", {{"webhook", "http://127.0.0.1:1/hook"}}}};
  auto spec = TaskSpecFromJson(in);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->kind, TaskKind::kImages);
  EXPECT_EQ(spec->images.source, "127.0.0.1:5000/team");
  EXPECT_EQ(spec->images.tag_globs, (std::vector<std::string>{"v1", "release-*"}));
  EXPECT_EQ(spec->images.list, (std::vector<std::string>{"app", "tools:2"}));
  EXPECT_TRUE(spec->images.insecure_source);
  EXPECT_EQ(spec->images.transfers, 4);
  EXPECT_EQ(spec->images.max_attempts, 2);
  EXPECT_EQ(spec->src_credential, "src-login");
  EXPECT_EQ(spec->dst_credential, "dst-login");
  EXPECT_TRUE(spec->sync.source.empty());
  const json out = TaskSpecToJson(*spec);
  EXPECT_EQ(out["kind"], "images");
  EXPECT_FALSE(out.contains("options"));  // an images task shows only its own fields
  auto again = TaskSpecFromJson(out);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(TaskSpecToJson(*again), out);
  Task task;
  task.spec = *spec;
  EXPECT_EQ(TaskToJson(task)["kind"], "images");
}

TEST(TaskJsonTest, KindDefaultsToS3AndOldTasksReadUnchanged) {
  const json old = {{"source", "s3://a"}, {"destination", "s3://b"}};
  auto spec = TaskSpecFromJson(old);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->kind, TaskKind::kS3);
  auto explicit_s3 = TaskSpecFromJson({{"kind", "s3"}, {"source", "s3://a"},
                                       {"destination", "s3://b"}});
  ASSERT_TRUE(explicit_s3.ok());
  EXPECT_EQ(TaskSpecToJson(*explicit_s3), TaskSpecToJson(*spec));
  Task task;
  task.spec = *spec;
  EXPECT_EQ(TaskToJson(task)["kind"], "s3");
  // A task as the API shows it (kind included) goes back in as it came out.
  json shown = TaskSpecToJson(*spec);
  shown["kind"] = "s3";
  EXPECT_TRUE(TaskSpecFromJson(shown).ok());
}

TEST(TaskJsonTest, AnImagesTaskRefusesWithTheFieldNamed) {
  const json base = {{"kind", "images"}, {"source", "src.example/app"},
                     {"destination", "dst.example/app"}};
  auto with = [&](const char* key, json value) {
    json j = base;
    j[key] = std::move(value);
    return j;
  };
  struct Case {
    json in;
    const char* says;
  };
  for (const Case& c : {
           Case{with("kind", "helm"), "kind must be \"s3\" (the default) or \"images\""},
           Case{with("kind", 1), "kind must be"},
           Case{{{"kind", "images"}, {"destination", "d.example/x"}}, "has no source"},
           Case{{{"kind", "images"}, {"source", "s.example/x"}}, "has no destination"},
           Case{with("options", {{"delete", true}}), "options does not apply to an images task"},
           Case{with("source_endpoint", json::object()), "source_endpoint does not apply"},
           Case{with("mode", "copy"), "mode does not apply"},
           Case{with("fleet", {{"queue", "q"}}), "fleet does not apply"},
           Case{with("sourse", "x"), "unknown field 'sourse'"},
           Case{with("images", {{"tag", {"v1"}}}), "unknown field 'images.tag'"},
           Case{with("images", {{"tags", "v1"}}), "images.tags must be an array of strings"},
           Case{with("images", {{"list", {1}}}), "images.list must be an array of strings"},
           Case{with("images", {{"transfers", 0}}), "images.transfers must be an integer 1..256"},
           Case{with("images", {{"max_attempts", 101}}), "images.max_attempts must be"},
           Case{with("images", {{"all_repos", "yes"}}), "images.all_repos must be true or false"},
           Case{with("images", {{"src_credential", 5}}), "images.src_credential must be a string"},
           Case{with("notify", {{"email", "a@b"}}), "unknown field 'notify.email'"},
       }) {
    auto spec = TaskSpecFromJson(c.in);
    ASSERT_FALSE(spec.ok()) << c.in.dump();
    EXPECT_EQ(spec.error().code(), Code::kInvalidArgument);
    EXPECT_NE(spec.error().message().find(c.says), std::string::npos)
        << c.in.dump() << " -> " << spec.error().message();
  }
  // And an S3 task refuses images.* by name.
  auto s3 = TaskSpecFromJson({{"source", "s3://a"}, {"destination", "s3://b"},
                              {"images", {{"tags", {"v1"}}}}});
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.error().message().find("unknown field 'images'"), std::string::npos)
      << s3.error().message();
}

TEST(TaskJsonTest, ProgressShowsThroughputAndEta) {
  RunProgress p;
  p.bytes_total = 1000;
  p.bytes_done = 250;
  p.seconds = 5;
  p.listing_done = true;
  json j = ProgressToJson(p);
  EXPECT_DOUBLE_EQ(j["throughput_bytes_per_second"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(j["eta_seconds"].get<double>(), 15.0);
  p.listing_done = false;  // the total may still grow: no ETA yet
  EXPECT_TRUE(ProgressToJson(p)["eta_seconds"].is_null());
}

TEST(TaskJsonTest, AnUnreadableProgressRecordIsAnErrorNotAnException) {
  auto bad = ProgressFromJson(nlohmann::json::parse(R"({"listed": "many", "failures": [1]})"));
  EXPECT_EQ(bad.status().code(), Code::kDataLoss);
  auto worse = ProgressFromJson(nlohmann::json::parse(R"({"failures": [1, 2]})"));
  EXPECT_EQ(worse.status().code(), Code::kDataLoss);
}

TEST(TaskJsonTest, RedactUrlKeepsSchemeHostAndPathOnly) {
  EXPECT_EQ(RedactUrl("https://user:pw@hooks.example:8443/a/b?token=s#f"),
            "https://hooks.example:8443/a/b");
  EXPECT_EQ(RedactUrl("http://h"), "http://h");
  EXPECT_EQ(RedactUrl("http://u@h?x"), "http://h");
  EXPECT_EQ(RedactUrl(""), "");
}

}  // namespace
}  // namespace ferry::service
