// The times a watch's full compare runs, from a schedule's text: "rate(1 day)"
// (at start, then every day), a cron expression, "once" (at start only), or
// "off" (never). Shared by `ferry watch --resync` and tasks' trigger.resync.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/status.h"

namespace ferry::service {

// (the previous compare's time or nullopt at start, now) -> the next time, or nullopt.
using ResyncTimes = std::function<std::optional<int64_t>(std::optional<int64_t>, int64_t)>;

// Errors name the schedule's fault; "off" gives an empty function.
Result<ResyncTimes> ParseResyncSchedule(const std::string& text);

}  // namespace ferry::service
