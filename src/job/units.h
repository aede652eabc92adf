// Sizes, rates, percentages and times as users write them on the command line
// or in a task. One strict grammar for every number: digits with an optional
// fraction and unit, nothing else (no sign, exponent, "inf" or "nan", no
// spaces), checked against a range without overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace ferry::job {

// Bytes: "5242880", "64M", "64MiB", "64MB", "1.5G", "100k": binary multiples
// (k = 1024, up to T). InvalidArgument outside [min, max], naming `flag`.
Result<uint64_t> ParseSize(const std::string& text, const std::string& flag, uint64_t min = 0,
                           uint64_t max = uint64_t{1} << 60);

// A limit on deletes: a count ("1000") or a percentage from 0% to 100% ("10%", "2.5%").
struct DeleteLimit {
  std::optional<uint64_t> count;
  std::optional<double> percent;
};
Result<DeleteLimit> ParseDeleteLimit(const std::string& text, const std::string& flag);

// "2026-01-31", "2026-01-31T12:00:00Z": UTC, as ms since the epoch.
Result<int64_t> ParseTime(const std::string& text, const std::string& flag);

}  // namespace ferry::job
