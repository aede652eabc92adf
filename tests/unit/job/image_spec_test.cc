#include "job/image_spec.h"

#include <gtest/gtest.h>

#include <regex>

namespace ferry::job {
namespace {

bool Matches(const std::string& regex, const std::string& tag) {
  return std::regex_match(tag, std::regex(regex, std::regex::ECMAScript));
}

TEST(ImageSpecTest, TagGlobsBecomeOneRegexMatchingInFull) {
  auto regex = TagGlobsRegex({"v1", "release-*", "rc?"}, "images.tags");
  ASSERT_TRUE(regex.ok()) << regex.error().ToString();
  EXPECT_TRUE(Matches(*regex, "v1"));
  EXPECT_FALSE(Matches(*regex, "v10"));  // a name is a whole tag, not a prefix
  EXPECT_TRUE(Matches(*regex, "release-2026.1"));
  EXPECT_TRUE(Matches(*regex, "rc1"));
  EXPECT_FALSE(Matches(*regex, "rc12"));
  auto dots = TagGlobsRegex({"1.2"}, "images.tags");
  ASSERT_TRUE(dots.ok());
  EXPECT_FALSE(Matches(*dots, "1x2"));  // '.' is a dot, not any character
  EXPECT_EQ(*TagGlobsRegex({}, "images.tags"), "");
}

TEST(ImageSpecTest, TagGlobsRefuseWhatNoTagHoldsNamingTheItem) {
  for (const char* bad : {"v1|v2", "(x)", "a b", "[0-9]", ""}) {
    auto regex = TagGlobsRegex({"ok", bad}, "images.tags");
    ASSERT_FALSE(regex.ok()) << bad;
    EXPECT_NE(regex.error().message().find("images.tags item 2"), std::string::npos)
        << regex.error().message();
  }
}

TEST(ImageSpecTest, ParsesOneRepositoryWithOrigins) {
  ImageSpec spec;
  spec.source = "127.0.0.1:5000/team/app";
  spec.destination = "registry.example:443/mirror/app";
  spec.insecure_source = true;
  spec.tag_globs = {"v*"};
  auto parsed = ParseImageSpec(spec, kImageTaskFieldNames);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->selections.size(), 1u);
  EXPECT_EQ(parsed->selections[0].src_repo, "team/app");
  EXPECT_EQ(parsed->selections[0].dst_repo, "mirror/app");
  EXPECT_EQ(parsed->src_origin, "http://127.0.0.1:5000");
  EXPECT_EQ(parsed->dst_origin, "https://registry.example:443");
  ASSERT_TRUE(parsed->tags.has_value());
  EXPECT_TRUE(std::regex_match("v2", *parsed->tags));
}

TEST(ImageSpecTest, AListResolvesUnderNamespaceAndPrefix) {
  ImageSpec spec;
  spec.source = "src.example/team";
  spec.destination = "dst.example/mirror";
  spec.list = {"app:1", "tools"};
  auto parsed = ParseImageSpec(spec, kImageTaskFieldNames);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->selections.size(), 2u);
  EXPECT_EQ(parsed->selections[0].src_repo, "team/app");
  EXPECT_EQ(parsed->selections[0].tag, "1");
  EXPECT_EQ(parsed->selections[1].dst_repo, "mirror/tools");
  EXPECT_EQ(parsed->selections[1].tag, "");
}

TEST(ImageSpecTest, ErrorsNameTheFieldAsTheCallerCallsIt) {
  struct Case {
    ImageSpec spec;
    const char* task_says;
    const char* cli_says;
  };
  auto spec = [](std::string src, std::string dst) {
    ImageSpec s;
    s.source = std::move(src);
    s.destination = std::move(dst);
    return s;
  };
  ImageSpec bad_ref = spec("Bad Host/app", "dst.example/app");
  ImageSpec bad_dst = spec("src.example/app", "dst.example/UPPER");
  ImageSpec no_repo = spec("src.example", "dst.example/app");
  ImageSpec both = spec("src.example", "dst.example");
  both.list = {"a"};
  both.all_repos = true;
  ImageSpec bad_item = spec("src.example", "dst.example");
  bad_item.list = {"ok", "NOT OK"};
  ImageSpec tag_and_tags = spec("src.example/app:v1", "dst.example/app");
  tag_and_tags.tag_globs = {"v*"};
  ImageSpec transfers = spec("src.example/app", "dst.example/app");
  transfers.transfers = 0;
  for (const Case& c : {Case{bad_ref, "source", "SRC"},
                        Case{bad_dst, "destination", "DST"},
                        Case{no_repo, "source 'src.example' names no repository",
                             "SRC 'src.example' names no repository"},
                        Case{both, "images.list and images.all_repos exclude each other",
                             "--list and --all-repos exclude each other"},
                        Case{bad_item, "images.list item 2 'NOT OK'", "--list item 2 'NOT OK'"},
                        Case{tag_and_tags, "images.tags selects among every tag",
                             "--tags selects among every tag"},
                        Case{transfers, "images.transfers must be 1..256",
                             "--transfers must be 1..256"}}) {
    auto task = ParseImageSpec(c.spec, kImageTaskFieldNames);
    ASSERT_FALSE(task.ok()) << c.task_says;
    EXPECT_EQ(task.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(task.error().message().rfind(c.task_says, 0), 0u) << task.error().message();
    auto cli = ParseImageSpec(c.spec, kImageFlagNames);
    ASSERT_FALSE(cli.ok());
    EXPECT_EQ(cli.error().message().rfind(c.cli_says, 0), 0u) << cli.error().message();
  }
}

}  // namespace
}  // namespace ferry::job
