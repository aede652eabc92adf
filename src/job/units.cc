#include "job/units.h"

#include <cctype>
#include <ctime>
#include <string_view>

#include "core/time_format.h"

namespace ferry::job {
namespace {

// A decimal as whole and fraction digits; the text must be only that.
struct Decimal {
  uint64_t whole = 0;
  std::string_view fraction;  // digits after '.', maybe empty
};

constexpr size_t kMaxFractionDigits = 9;

// Reads DIGITS[.DIGITS] from the front of `text`; nullopt when there is none or
// the whole part does not fit in 64 bits.
std::optional<Decimal> ReadDecimal(std::string_view& text) {
  Decimal d;
  size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (d.whole > (UINT64_MAX - digit) / 10) return std::nullopt;
    d.whole = d.whole * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    const size_t start = ++i;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    }
    if (i == start || i - start > kMaxFractionDigits) return std::nullopt;
    d.fraction = text.substr(start, i - start);
  }
  text.remove_prefix(i);
  return d;
}

// whole.fraction × multiplier rounded down, or nullopt on overflow.
std::optional<uint64_t> Scale(const Decimal& d, uint64_t multiplier) {
  if (d.whole != 0 && multiplier > UINT64_MAX / d.whole) return std::nullopt;
  uint64_t value = d.whole * multiplier;
  // The fraction in billionths, times the multiplier (at most 2^40): fits in 128 bits.
  uint64_t billionths = 0;
  for (size_t i = 0; i < kMaxFractionDigits; ++i) {
    billionths = billionths * 10 + (i < d.fraction.size() ? d.fraction[i] - '0' : 0);
  }
  __extension__ typedef unsigned __int128 Wide;  // GCC and Clang: exact, no overflow
  const Wide part = static_cast<Wide>(billionths) * multiplier / 1'000'000'000u;
  if (part > UINT64_MAX - value) return std::nullopt;
  return value + static_cast<uint64_t>(part);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<uint64_t> ParseSize(const std::string& text, const std::string& flag, uint64_t min,
                           uint64_t max) {
  auto invalid = [&] {
    return Status::InvalidArgument("invalid size '" + text + "' for " + flag,
                                   "a number with an optional unit: 5242880, 64M, 1.5GiB");
  };
  std::string_view rest(text);
  const auto number = ReadDecimal(rest);
  if (!number) return invalid();
  std::string unit = Lower(rest);
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();  // "MiB" -> "mi", "MB" -> "m"
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();  // "mi" -> "m"
  uint64_t multiplier = 0;
  if (unit.empty() || unit == "b") multiplier = 1;
  else if (unit == "k") multiplier = uint64_t{1} << 10;
  else if (unit == "m") multiplier = uint64_t{1} << 20;
  else if (unit == "g") multiplier = uint64_t{1} << 30;
  else if (unit == "t") multiplier = uint64_t{1} << 40;
  if (multiplier == 0) return invalid();
  const auto value = Scale(*number, multiplier);
  if (!value || *value < min || *value > max) {
    return Status::InvalidArgument(flag + " '" + text + "' is out of range",
                                   "from " + std::to_string(min) + " to " + std::to_string(max) +
                                       " bytes");
  }
  return *value;
}

Result<DeleteLimit> ParseDeleteLimit(const std::string& text, const std::string& flag) {
  auto invalid = [&] {
    return Status::InvalidArgument(
        "invalid " + flag + " '" + text + "'",
        "a count of objects (1000) or a percentage from 0% to 100% (10%)");
  };
  std::string_view rest(text);
  const auto number = ReadDecimal(rest);
  if (!number) return invalid();
  DeleteLimit limit;
  if (rest == "%") {
    if (number->whole > 100) return invalid();
    double percent = static_cast<double>(number->whole);
    double scale = 0.1;
    for (char c : number->fraction) {
      percent += (c - '0') * scale;
      scale /= 10;
    }
    if (percent > 100) return invalid();
    limit.percent = percent;
    return limit;
  }
  if (!rest.empty() || !number->fraction.empty()) return invalid();
  limit.count = number->whole;
  return limit;
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
