// When a task runs: once, at a fixed rate, or on a cron expression (UTC).
//
//   "once"                       one run per start (also "")
//   "rate(1 hour)"               every N seconds|minutes|hours|days; "rate" alone is hourly.
//                                The first run is at start; a run that overruns its
//                                period is followed at once by one run, not by a backlog.
//   "0 12 * * 1-5"               5-field cron: minute hour day-of-month month day-of-week
//                                (0-7, 0 and 7 = Sunday, or SUN-SAT); when both days are
//                                restricted either may match, as in Vixie cron.
//   "cron(0 12 * * ? *)"         AWS 6-field cron: minutes hours day-of-month month
//                                day-of-week (1-7, 1 = Sunday, or SUN-SAT) year; one of
//                                the two days is '?'. L, W and # are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::service {

class Schedule {
 public:
  enum class Kind { kOnce, kRate, kCron };

  // Parses `text`; errors say which field is wrong and what is accepted.
  static Result<Schedule> Parse(const std::string& text);

  Kind kind() const { return kind_; }
  // The text as given, trimmed ("once" for "").
  const std::string& text() const { return text_; }
  int64_t period_seconds() const { return period_seconds_; }

  // The first fire time (seconds since the epoch, UTC) of a started schedule
  // at or after `now`: rate schedules fire at once, cron schedules at the next
  // matching minute. nullopt for kOnce or a cron that never fires again.
  std::optional<int64_t> FirstFire(int64_t now) const;
  // The fire after one that was due at `previous`, never earlier than `now`:
  // missed fires coalesce into one. nullopt for kOnce or a cron with no more fires.
  std::optional<int64_t> NextFire(int64_t previous, int64_t now) const;

 private:
  // One cron field as the set of values it allows.
  struct Field {
    std::vector<bool> allowed;  // index = value
    bool any = true;            // '*' or '?': not restricted
  };
  std::optional<int64_t> NextCronMinute(int64_t after) const;  // first match > after
  bool DayMatches(int year, int month, int mday, int wday) const;

  Kind kind_ = Kind::kOnce;
  std::string text_ = "once";
  int64_t period_seconds_ = 0;
  Field minutes_, hours_, mdays_, months_, wdays_, years_;  // wdays: 0 = Sunday
};

}  // namespace ferry::service
