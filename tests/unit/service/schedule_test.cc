#include "service/schedule.h"

#include <gtest/gtest.h>

#include <ctime>

namespace ferry::service {
namespace {

// 2026-11-25 10:17:30 UTC, a Wednesday.
int64_t Utc(int year, int month, int day, int hour, int minute, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return timegm(&tm);
}

Schedule Parsed(const std::string& text) {
  auto s = Schedule::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? *s : Schedule::Parse("once").value();
}

TEST(ScheduleTest, OnceNeverFiresAgain) {
  for (const char* text : {"", "once", " ONCE "}) {
    Schedule s = Parsed(text);
    EXPECT_EQ(s.kind(), Schedule::Kind::kOnce);
    EXPECT_FALSE(s.FirstFire(1000));
    EXPECT_FALSE(s.NextFire(1000, 2000));
  }
}

TEST(ScheduleTest, RatesInEveryUnit) {
  EXPECT_EQ(Parsed("rate(1 hour)").period_seconds(), 3600);
  EXPECT_EQ(Parsed("rate").period_seconds(), 3600);
  EXPECT_EQ(Parsed("rate(5 minutes)").period_seconds(), 300);
  EXPECT_EQ(Parsed("rate(1 minute)").period_seconds(), 60);
  EXPECT_EQ(Parsed("rate(2 days)").period_seconds(), 172800);
  EXPECT_EQ(Parsed("rate(2 seconds)").period_seconds(), 2);
}

TEST(ScheduleTest, RateFiresAtStartThenEveryPeriodAndCoalescesMissedFires) {
  Schedule s = Parsed("rate(10 minutes)");
  EXPECT_EQ(*s.FirstFire(5000), 5000);
  EXPECT_EQ(*s.NextFire(5000, 5100), 5600);
  // A run that overran two periods is followed by one run at once, not a backlog.
  EXPECT_EQ(*s.NextFire(5000, 7000), 7000);
}

TEST(ScheduleTest, RefusesBadRates) {
  for (const char* text : {"rate(0 minutes)", "rate(-1 hours)", "rate(5 fortnights)", "rate(5)",
                           "rate(x minutes)", "rate(1 hour extra)"}) {
    auto s = Schedule::Parse(text);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().code(), Code::kInvalidArgument);
    EXPECT_NE(s.error().message().find(text), std::string::npos) << s.error().message();
  }
}

TEST(ScheduleTest, FiveFieldCronNextMatch) {
  const int64_t now = Utc(2026, 11, 25, 10, 17, 30);  // Wednesday
  EXPECT_EQ(*Parsed("*/15 * * * *").FirstFire(now), Utc(2026, 11, 25, 10, 30));
  EXPECT_EQ(*Parsed("0 12 * * *").FirstFire(now), Utc(2026, 11, 25, 12, 0));
  EXPECT_EQ(*Parsed("0 9 * * *").FirstFire(now), Utc(2026, 11, 26, 9, 0));
  EXPECT_EQ(*Parsed("0 0 1 * *").FirstFire(now), Utc(2026, 12, 1, 0, 0));
  EXPECT_EQ(*Parsed("30 8 * * MON-FRI").FirstFire(now), Utc(2026, 11, 26, 8, 30));
  EXPECT_EQ(*Parsed("0 0 * * 0").FirstFire(now), Utc(2026, 11, 29, 0, 0));  // Sunday
  EXPECT_EQ(*Parsed("0 0 * * 7").FirstFire(now), Utc(2026, 11, 29, 0, 0));  // 7 is Sunday too
  EXPECT_EQ(*Parsed("0 0 1 JAN *").FirstFire(now), Utc(2027, 1, 1, 0, 0));
  EXPECT_EQ(*Parsed("5,10 1-2 * * *").FirstFire(now), Utc(2026, 11, 26, 1, 5));
  EXPECT_EQ(*Parsed("0 0 29 2 *").FirstFire(now), Utc(2028, 2, 29, 0, 0));
}

TEST(ScheduleTest, FiveFieldCronMatchesEitherDayWhenBothAreRestricted) {
  // Vixie cron: the 1st of the month OR any Friday.
  const int64_t now = Utc(2026, 11, 25, 10, 17);
  EXPECT_EQ(*Parsed("0 0 1 * 5").FirstFire(now), Utc(2026, 11, 27, 0, 0));
}

TEST(ScheduleTest, AwsCronWithQuestionMarkAndYear) {
  const int64_t now = Utc(2026, 11, 25, 10, 17);
  EXPECT_EQ(*Parsed("cron(0 12 * * ? *)").FirstFire(now), Utc(2026, 11, 25, 12, 0));
  // AWS numbers days from 1 = Sunday: 2 is Monday.
  EXPECT_EQ(*Parsed("cron(0 8 ? * 2 *)").FirstFire(now), Utc(2026, 11, 30, 8, 0));
  EXPECT_EQ(*Parsed("cron(15 10 ? * MON-FRI *)").FirstFire(now), Utc(2026, 11, 26, 10, 15));
  EXPECT_EQ(*Parsed("cron(0 0 1 1 ? 2030)").FirstFire(now), Utc(2030, 1, 1, 0, 0));
  EXPECT_EQ(*Parsed("cron(0/30 * * * ? *)").FirstFire(now), Utc(2026, 11, 25, 10, 30));
}

TEST(ScheduleTest, CronNextFireIsAfterThePreviousOne) {
  Schedule s = Parsed("0 * * * *");
  const int64_t fire = Utc(2026, 11, 25, 10, 0);
  EXPECT_EQ(*s.NextFire(fire, fire + 5), Utc(2026, 11, 25, 11, 0));
  // Missed fires coalesce: the next one after now.
  EXPECT_EQ(*s.NextFire(fire, Utc(2026, 11, 25, 13, 30)), Utc(2026, 11, 25, 14, 0));
}

TEST(ScheduleTest, RefusesBadCronWithTheFieldAtFault) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{"61 * * * *", "minute"}, Case{"* 24 * * *", "hour"},
                        Case{"* * 0 * *", "day-of-month"}, Case{"* * * 13 *", "month"},
                        Case{"* * * * 8", "day-of-week"}, Case{"* * * *", "5 fields"},
                        Case{"cron(0 12 * * *)", "6 fields"},
                        Case{"cron(0 12 * * 1 *)", "'?'"},
                        Case{"cron(0 12 L * ? *)", "L, W or #"},
                        Case{"cron(0 12 ? * 6#3 *)", "L, W or #"},
                        Case{"cron(0 12 15W * ? *)", "L, W or #"},
                        Case{"cron(0 0 1 1 ? 2020)", "never fires"},
                        Case{"*/0 * * * *", "step"}, Case{"5-1 * * * *", "outside"},
                        Case{"? * * * *", "day fields"}, Case{"every day", "5 fields"}}) {
    auto s = Schedule::Parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_NE(s.error().message().find(c.says), std::string::npos)
        << c.text << " -> " << s.error().message();
  }
}

}  // namespace
}  // namespace ferry::service
