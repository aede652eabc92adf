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
