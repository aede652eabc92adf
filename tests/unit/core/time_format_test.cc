#include "core/time_format.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(TimeFormat, ParsesListingAndHeaderForms) {
  EXPECT_EQ(ParseIso8601Ms("2026-11-24T16:02:08.123Z"), 1795536128123);
  EXPECT_EQ(ParseIso8601Ms("2026-11-24T16:02:08Z"), 1795536128000);
  EXPECT_EQ(ParseHttpDateMs("Tue, 24 Nov 2026 16:02:08 GMT"), 1795536128000);
  EXPECT_FALSE(ParseIso8601Ms("yesterday").has_value());
  EXPECT_FALSE(ParseHttpDateMs("2026-11-24").has_value());
}

TEST(TimeFormat, FormatsRoundTrip) {
  EXPECT_EQ(FormatIso8601Ms(1795536128123), "2026-11-24T16:02:08.123Z");
  EXPECT_EQ(ParseIso8601Ms(FormatIso8601Ms(5)), 5);
}

}  // namespace
}  // namespace ferry
