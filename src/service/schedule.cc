#include "service/schedule.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>

namespace ferry::service {
namespace {

constexpr int kMaxYear = 2199;  // the last year AWS cron expressions accept

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// A whole non-negative decimal number, or nullopt.
std::optional<int> Number(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Status CronError(const std::string& text, const std::string& why) {
  return Status::InvalidArgument("invalid schedule '" + text + "': " + why,
                                 "once, rate(N minutes|hours|days|seconds), a 5-field cron "
                                 "'M H DOM MON DOW' or cron(M H DOM MON DOW YEAR) in UTC");
}

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // spelled values starting at `names_base`, or nullptr
  int names_count;
  int names_base;
};

const char* const kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

}  // namespace

Result<Schedule> Schedule::Parse(const std::string& input) {
  Schedule s;
  const std::string text = Trim(input);
  const std::string lower = Lower(text);
  if (text.empty() || lower == "once") return s;
  s.text_ = text;

  if (lower == "rate") {
    s.kind_ = Kind::kRate;
    s.period_seconds_ = 3600;
    return s;
  }
  if (lower.starts_with("rate(") && lower.back() == ')') {
    std::istringstream in(lower.substr(5, lower.size() - 6));
    std::string count, unit, extra;
    in >> count >> unit >> extra;
    const auto n = Number(count);
    if (!n || *n < 1 || !extra.empty()) {
      return CronError(text, "a rate is a positive whole number and a unit: rate(5 minutes)");
    }
    if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
    const int64_t unit_seconds = unit == "second" ? 1
                                 : unit == "minute" ? 60
                                 : unit == "hour"   ? 3600
                                 : unit == "day"    ? 86400
                                                    : 0;
    if (unit_seconds == 0) {
      return CronError(text, "the unit '" + unit + "' is not one of seconds, minutes, hours, days");
    }
    s.kind_ = Kind::kRate;
    s.period_seconds_ = *n * unit_seconds;
    return s;
  }

  bool aws = false;
  std::string body = text;
  if (lower.starts_with("cron(") && lower.back() == ')') {
    aws = true;
    body = text.substr(5, text.size() - 6);
  }
  std::vector<std::string> fields;
  {
    std::istringstream in(body);
    std::string f;
    while (in >> f) fields.push_back(f);
  }
  if (aws && fields.size() != 6) {
    return CronError(text, "cron(...) takes 6 fields (minutes hours day-of-month month "
                           "day-of-week year); a 5-field cron is written without cron()");
  }
  if (!aws && fields.size() != 5) {
    return CronError(text, "not once, rate(...) or cron(...), and a plain cron has 5 fields "
                           "(minute hour day-of-month month day-of-week), not " +
                               std::to_string(fields.size()));
  }
  const FieldSpec specs[] = {
      {"minute", 0, 59, nullptr, 0, 0},
      {"hour", 0, 23, nullptr, 0, 0},
      {"day-of-month", 1, 31, nullptr, 0, 0},
      {"month", 1, 12, kMonthNames, 12, 1},
      {"day-of-week", aws ? 1 : 0, 7, kDayNames, 7, aws ? 1 : 0},
      {"year", 1970, kMaxYear, nullptr, 0, 0},
  };
  Field* targets[] = {&s.minutes_, &s.hours_, &s.mdays_, &s.months_, &s.wdays_, &s.years_};
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldSpec& spec = specs[i];
    const std::string& f = fields[i];
    Field& out = *targets[i];
    out.allowed.assign(spec.max + 1, false);
    const std::string where = "the " + std::string(spec.name) + " field '" + f + "'";
    if (f.find_first_of("LW#") != std::string::npos) {
      return CronError(text, where + " uses L, W or #, which ferry does not support");
    }
    if (f == "?") {
      if (i != 2 && i != 4) return CronError(text, where + ": '?' is only for the day fields");
      std::fill(out.allowed.begin(), out.allowed.end(), true);
      continue;
    }
    auto value = [&](const std::string& v) -> std::optional<int> {
      if (auto n = Number(v)) return n;
      const std::string upper = [&] {
        std::string u = v;
        for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return u;
      }();
      for (int k = 0; k < spec.names_count; ++k) {
        if (upper == spec.names[k]) return spec.names_base + k;
      }
      return std::nullopt;
    };
    out.any = f == "*";
    for (const std::string& item : Split(f, ',')) {
      std::string range = item;
      int step = 1;
      if (const auto slash = item.find('/'); slash != std::string::npos) {
        range = item.substr(0, slash);
        const auto n = Number(item.substr(slash + 1));
        if (!n || *n < 1) return CronError(text, where + ": the step must be a positive number");
        step = *n;
        out.any = false;
      }
      int lo, hi;
      if (range == "*") {
        lo = spec.min;
        hi = spec.max;
      } else if (const auto dash = range.find('-'); dash != std::string::npos) {
        const auto a = value(range.substr(0, dash));
        const auto b = value(range.substr(dash + 1));
        if (!a || !b) return CronError(text, where + " is not a valid range");
        lo = *a;
        hi = *b;
      } else {
        const auto a = value(range);
        if (!a) return CronError(text, where + " is not a number or a name");
        lo = *a;
        hi = item.find('/') != std::string::npos ? spec.max : *a;
      }
      if (lo < spec.min || hi > spec.max || lo > hi) {
        return CronError(text, where + " is outside " + std::to_string(spec.min) + "-" +
                                   std::to_string(spec.max));
      }
      for (int v = lo; v <= hi; v += step) out.allowed[v] = true;
    }
  }
  if (!aws) {  // a 5-field cron repeats every year
    s.years_.allowed.assign(kMaxYear + 1, true);
    s.years_.any = true;
  }
  // Day of week as 0 = Sunday .. 6 = Saturday.
  std::vector<bool> wdays(7, false);
  for (int v = aws ? 1 : 0; v < static_cast<int>(s.wdays_.allowed.size()); ++v) {
    if (s.wdays_.allowed[v]) wdays[aws ? v - 1 : v % 7] = true;
  }
  s.wdays_.allowed = wdays;
  if (fields[4] == "?") s.wdays_.any = true;
  if (fields[2] == "?") s.mdays_.any = true;
  if (aws && fields[2] != "?" && fields[4] != "?") {
    return CronError(text, "one of day-of-month and day-of-week must be '?' in cron(...)");
  }
  s.kind_ = Kind::kCron;
  if (!s.NextCronMinute(std::time(nullptr))) {
    return CronError(text, "it never fires after now");
  }
  return s;
}

bool Schedule::DayMatches(int year, int month, int mday, int wday) const {
  if (!years_.allowed[year] || !months_.allowed[month]) return false;
  const bool by_mday = mdays_.allowed[mday];
  const bool by_wday = wdays_.allowed[wday];
  if (mdays_.any || wdays_.any) return by_mday && by_wday;
  return by_mday || by_wday;
}

std::optional<int64_t> Schedule::NextCronMinute(int64_t after) const {
  int64_t t = (after / 60 + 1) * 60;
  // Whole years, months, days and hours are skipped at once, so this ends fast
  // even for a date that exists once in years (29 February on a Monday).
  for (int guard = 0; guard < 2'000'000; ++guard) {
    const time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    const int year = tm.tm_year + 1900;
    if (year > kMaxYear) return std::nullopt;
    std::tm next{};
    if (!years_.allowed[year]) {
      next.tm_year = tm.tm_year + 1;
      next.tm_mday = 1;
      t = timegm(&next);
    } else if (!months_.allowed[tm.tm_mon + 1]) {
      next.tm_year = tm.tm_year;
      next.tm_mon = tm.tm_mon + 1;
      next.tm_mday = 1;
      t = timegm(&next);
    } else if (!DayMatches(year, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday)) {
      t += 86400 - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
    } else if (!hours_.allowed[tm.tm_hour]) {
      t += 3600 - (tm.tm_min * 60 + tm.tm_sec);
    } else if (!minutes_.allowed[tm.tm_min]) {
      t += 60 - tm.tm_sec;
    } else {
      return t;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> Schedule::FirstFire(int64_t now) const {
  switch (kind_) {
    case Kind::kOnce: return std::nullopt;
    case Kind::kRate: return now;
    case Kind::kCron: return NextCronMinute(now - 1);
  }
  return std::nullopt;
}

std::optional<int64_t> Schedule::NextFire(int64_t previous, int64_t now) const {
  switch (kind_) {
    case Kind::kOnce: return std::nullopt;
    case Kind::kRate: return std::max(previous + period_seconds_, now);
    case Kind::kCron: return NextCronMinute(std::max(previous, now - 1));
  }
  return std::nullopt;
}

}  // namespace ferry::service
