#include "service/resync_schedule.h"

#include "service/schedule.h"

namespace ferry::service {

Result<ResyncTimes> ParseResyncSchedule(const std::string& text) {
  if (text == "off" || text == "never") return ResyncTimes();
  auto schedule = Schedule::Parse(text);
  if (!schedule.ok()) return std::move(schedule).take_error();
  if (schedule->kind() == Schedule::Kind::kOnce) {
    return ResyncTimes([](std::optional<int64_t> previous, int64_t now) -> std::optional<int64_t> {
      if (previous) return std::nullopt;
      return now;
    });
  }
  return ResyncTimes([s = *schedule](std::optional<int64_t> previous,
                                     int64_t now) -> std::optional<int64_t> {
    return previous ? s.NextFire(*previous, now) : s.FirstFire(now);
  });
}

}  // namespace ferry::service
