#include "engine/progress.h"

#include <gtest/gtest.h>

namespace ferry::engine {
namespace {

size_t Columns(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

ProgressSample Midway() {
  ProgressSample s;
  s.listed = 502;
  s.listing_done = true;
  s.copied = 278;
  s.to_copy = 502;
  s.bytes = 50ull << 20;
  s.bytes_total = 100ull << 20;
  s.failed = 0;
  s.rate = 10ull << 20;  // 50 MiB left at 10 MiB/s
  return s;
}

TEST(FormatProgress, FitsTheWidthByDroppingTheLeastUsefulFields) {
  const ProgressSample s = Midway();
  const std::string wide = FormatProgress(s, 200);
  EXPECT_EQ(wide, "278/502 objects \u00b7 50.0 MiB/100.0 MiB \u00b7 ETA 0:05 \u00b7 10.0 MiB/s "
                  "\u00b7 listed 502");
  for (size_t width : {80u, 60u, 40u, 20u}) {
    const std::string line = FormatProgress(s, width);
    EXPECT_LT(Columns(line), width) << line;
    EXPECT_TRUE(line.starts_with("278/502 objects")) << line;
  }
  EXPECT_NE(FormatProgress(s, 60).find("ETA 0:05"), std::string::npos);
  ProgressSample failing = s;
  failing.failed = 3;
  EXPECT_NE(FormatProgress(failing, 200).find("failed 3"), std::string::npos);
}

TEST(FormatProgress, NoEtaWhileListingOrBeforeAnyRate) {
  ProgressSample s = Midway();
  s.listing_done = false;
  EXPECT_NE(FormatProgress(s, 200).find("ETA -"), std::string::npos);
  EXPECT_NE(FormatProgress(s, 200).find("278/502+ objects"), std::string::npos);
  s.listing_done = true;
  s.rate = 0;
  EXPECT_NE(FormatProgress(s, 200).find("ETA -"), std::string::npos);
  s.bytes = s.bytes_total;
  EXPECT_NE(FormatProgress(s, 200).find("ETA 0:00"), std::string::npos);
}

TEST(MovingRate, ForgetsWhatHappenedBeforeTheWindow) {
  using std::chrono::seconds;
  MovingRate rate(seconds(10));
  const auto t0 = std::chrono::steady_clock::time_point{};
  rate.Add(t0, 0);
  EXPECT_DOUBLE_EQ(rate.Add(t0 + seconds(1), 1000), 1000);  // a burst of small objects
  for (int i = 2; i <= 30; ++i) rate.Add(t0 + seconds(i), 1000 + 10 * (i - 1));
  // Only the last ten seconds count: 10 bytes/s, not the average since the start.
  EXPECT_NEAR(rate.Add(t0 + seconds(31), 1000 + 10 * 30), 10, 1.5);
}

}  // namespace
}  // namespace ferry::engine
