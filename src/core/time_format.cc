#include "core/time_format.h"

#include <ctime>
#include <cstdio>

namespace ferry {

std::optional<int64_t> ParseIso8601Ms(std::string_view text) {
  std::tm tm{};
  int ms = 0;
  const std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  if (*end == '.') {
    ++end;
    int digits = 0;
    while (*end >= '0' && *end <= '9') {
      if (digits < 3) ms = ms * 10 + (*end - '0');
      ++digits;
      ++end;
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

std::optional<int64_t> ParseHttpDateMs(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  if (strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string FormatIso8601Ms(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::optional<std::chrono::system_clock::time_point> TimePointFromMs(int64_t ms) {
  using Clock = std::chrono::system_clock;
  constexpr int64_t kLimit = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 Clock::duration::max()).count() - 1000;
  if (ms > kLimit || ms < -kLimit) return std::nullopt;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::milliseconds(ms)));
}

}  // namespace ferry
