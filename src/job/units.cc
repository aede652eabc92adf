#include "job/units.h"

#include <cctype>
#include <cstdlib>
#include <ctime>

#include "core/time_format.h"

namespace ferry::job {

Result<uint64_t> ParseSize(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  std::string unit(end);
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();                 // "MiB" -> "mi"
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();                 // "mi" -> "m"
  double multiplier = 0;
  if (unit.empty()) multiplier = 1;
  else if (unit == "k") multiplier = 1024.0;
  else if (unit == "m") multiplier = 1024.0 * 1024;
  else if (unit == "g") multiplier = 1024.0 * 1024 * 1024;
  else if (unit == "t") multiplier = 1024.0 * 1024 * 1024 * 1024;
  if (end == text.c_str() || multiplier == 0 || value < 0) {
    return Status::InvalidArgument("invalid size '" + text + "' for " + flag,
                                   "a number with an optional unit: 5242880, 64M, 1.5GiB");
  }
  return static_cast<uint64_t>(value * multiplier);
}

Result<int64_t> ParseTime(const std::string& text, const std::string& flag) {
  if (auto ms = ParseIso8601Ms(text)) return *ms;
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (end != nullptr && *end == '\0') return static_cast<int64_t>(timegm(&tm)) * 1000;
  return Status::InvalidArgument("invalid time '" + text + "' for " + flag,
                                 "a UTC date or time: 2026-01-31 or 2026-01-31T12:00:00Z");
}

}  // namespace ferry::job
