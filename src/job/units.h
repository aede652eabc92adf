// Sizes and times as users write them on the command line.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace ferry::job {

// "5242880", "64M", "64MiB", "1.5G", "100k": binary multiples (k = 1024).
Result<uint64_t> ParseSize(const std::string& text, const std::string& flag);
// "2026-01-31", "2026-01-31T12:00:00Z": UTC, as ms since the epoch.
Result<int64_t> ParseTime(const std::string& text, const std::string& flag);

}  // namespace ferry::job
