#include "fleet/work_item.h"

#include <gtest/gtest.h>

#include "fleet/fleet_queues.h"
#include "job/spec_json.h"

namespace ferry::fleet {
namespace {

WorkItem Sample(ItemKind kind) {
  WorkItem item;
  item.run = "r1";
  item.id = "i1";
  item.kind = kind;
  item.results_url = "https://sqs.eu-west-1.amazonaws.com/1/jobs-results";
  job::SyncSpec spec;
  spec.source = "s3://a/x";
  spec.destination = "s3://b";
  spec.src.profile = "src-role";
  spec.dst.secret = "arn:aws:secretsmanager:eu-west-1:1:secret:dst";
  item.spec = job::SpecToJson(spec).value();
  return item;
}

TEST(WorkItem, ObjectsAndChecksSurviveTheRoundTrip) {
  WorkItem item = Sample(ItemKind::kObjects);
  item.objects.push_back({{"a b/ü \"q\"", 12, "e1", 1700, "", ""}, {}});
  item.objects.push_back({{"k", 5, "e2-3", 0, "", ""}, {"k", 5, "other", 9, "", ""}});
  auto back = DecodeItem(EncodeItem(item));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->run, "r1");
  EXPECT_EQ(back->results_url, item.results_url);
  ASSERT_EQ(back->objects.size(), 2u);
  EXPECT_EQ(back->objects[0].source.key, "a b/ü \"q\"");
  EXPECT_EQ(back->objects[0].source.mtime_ms, 1700);
  EXPECT_TRUE(back->objects[0].destination.key.empty());
  EXPECT_EQ(back->objects[1].destination.etag, "other");
  EXPECT_EQ(back->bytes(), 17u);
  auto spec = job::SpecFromJson(back->spec);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->src.profile, "src-role");
}

TEST(WorkItem, PartRangesKeepTheirLayout) {
  WorkItem item = Sample(ItemKind::kParts);
  item.part = {"big", "up-1", 25, "abc-3", 0, {}, 2, 3};
  item.part.plan.parts = 3;
  item.part.plan.part_size = 10;
  auto back = DecodeItem(EncodeItem(item));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->part.upload_id, "up-1");
  EXPECT_EQ(back->part.plan.Length(3, 25), 5u);
  EXPECT_EQ(back->bytes(), 15u);
  item.part.plan.starts = {0, 7, 20, 25};
  back = DecodeItem(EncodeItem(item));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->part.plan.Length(2, 25), 13u);
}

TEST(WorkItem, NeverCarriesKeys) {
  job::SyncSpec spec;
  spec.source = "s3://a";
  spec.destination = "s3://b";
  spec.src.keys.access_key_id = "AKID";
  spec.src.keys.secret_access_key = "secret";
  auto j = job::SpecToJson(spec);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message().find("never keys"), std::string::npos);
}

TEST(WorkItem, MalformedItemsAreErrorsNeverCrashes) {
  WorkItem good = Sample(ItemKind::kParts);
  good.part = {"big", "up", 25, "e", 0, {}, 1, 1};
  good.part.plan.parts = 3;
  good.part.plan.part_size = 10;
  nlohmann::json base = nlohmann::json::parse(EncodeItem(good));
  std::vector<nlohmann::json> bad;
  for (const char* field : {"run", "item", "kind", "results", "spec", "part"}) {
    nlohmann::json j = base;
    j.erase(field);
    bad.push_back(j);
  }
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json j = base;
    j["part"][key] = std::move(value);
    bad.push_back(j);
  };
  with("last", 4);          // past the last part
  with("first", 0);
  with("parts", 20000);
  with("part_size", 1);     // the parts do not reach the size
  with("starts", {0, 30});  // wrong count
  with("size", "big");
  nlohmann::json v2 = base;
  v2["v"] = 2;
  bad.push_back(v2);
  nlohmann::json objects = base;
  objects["kind"] = "objects";
  objects["objects"] = {{"k", -1, "e", 0}};
  bad.push_back(objects);
  for (const auto& j : bad) {
    auto item = DecodeItem(j.dump());
    EXPECT_FALSE(item.ok()) << j.dump();
  }
  for (const char* text : {"", "[]", "null", "{\"v\":1", "\xff\xfe"}) {
    EXPECT_FALSE(DecodeItem(text).ok());
    EXPECT_FALSE(DecodeResult(text).ok());
  }
}

TEST(ItemResult, RoundTripAndToleratesOddFields) {
  ItemResult r;
  r.run = "r";
  r.item = "i";
  r.worker = "host:1";
  r.receive = 3;
  r.final = true;
  r.copied = 7;
  r.bytes = 700;
  r.failures.push_back({"k", 5, "boom"});
  r.parts.push_back({2, "etag", 10});
  auto back = DecodeResult(EncodeResult(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->receive, 3);
  EXPECT_TRUE(back->final);
  EXPECT_FALSE(back->done);
  EXPECT_EQ(back->failures[0].error, "boom");
  EXPECT_EQ(back->parts[0].part_number, 2);
  auto odd = DecodeResult(R"({"run":"r","item":"i","receive":"x","done":1,"failures":[5]})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->receive, 1);
  EXPECT_FALSE(odd->done);
}

TEST(ParseRedrivePolicy, NamesTheDeadLetterQueue) {
  auto [name, count] = ParseRedrivePolicy(
      R"({"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:jobs-dlq","maxReceiveCount":"5"})");
  EXPECT_EQ(name, "jobs-dlq");
  EXPECT_EQ(count, 5);
  EXPECT_EQ(ParseRedrivePolicy("garbage").second, 0);
}

}  // namespace
}  // namespace ferry::fleet
