// The two time formats S3 speaks, as milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

// "2026-11-24T16:02:08.000Z" (listings). nullopt when malformed.
std::optional<int64_t> ParseIso8601Ms(std::string_view text);
// "Tue, 24 Nov 2026 16:02:08 GMT" (Last-Modified headers). nullopt when malformed.
std::optional<int64_t> ParseHttpDateMs(std::string_view text);
// "2026-11-24T16:02:08.000Z"
std::string FormatIso8601Ms(int64_t ms);
// `ms` as a system_clock time, or nullopt when the clock cannot hold it (past
// the year 2262 in nanoseconds): a time read from the network, checked.
std::optional<std::chrono::system_clock::time_point> TimePointFromMs(int64_t ms);

}  // namespace ferry
