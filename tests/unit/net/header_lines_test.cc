#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/curl_handles.h"

namespace ferry::net {
namespace {

std::vector<std::string> Lines(curl_slist* list) {
  std::vector<std::string> out;
  for (; list != nullptr; list = list->next) out.emplace_back(list->data);
  return out;
}

TEST(HeaderLines, ListsEveryLineInOrderAsCurlReadsThem) {
  HeaderLines lines(8);  // too small: the text grows before any node points into it
  lines.Add("X-Amz-Date", "20261203T094100Z");
  lines.Add("X-Empty", "");
  lines.AddRaw("Expect:");
  EXPECT_EQ(Lines(lines.Finish()),
            (std::vector<std::string>{"X-Amz-Date: 20261203T094100Z", "X-Empty;", "Expect:"}));
}

TEST(HeaderLines, NoLinesIsNoList) {
  HeaderLines lines;
  EXPECT_EQ(lines.Finish(), nullptr);
}

TEST(HeaderLines, ANulEndsTheLineAndStartsNoOther) {
  HeaderLines lines;
  lines.Add("X-Amz-Meta-A", std::string("ok\0Injected: yes", 16));
  lines.Add(std::string("X-B\0C", 5), "v");
  EXPECT_EQ(Lines(lines.Finish()), (std::vector<std::string>{"X-Amz-Meta-A: ok", "X-B: v"}));
}

}  // namespace
}  // namespace ferry::net
