// Logging: spdlog behind two calls, so no layer depends on how logs are written.
// The logger is the one sanctioned singleton (STYLE.md).
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace ferry::log {

enum class Format { kText, kJson };

// Configures the process-wide logger, writing to stderr. `verbosity` 0 = warnings,
// 1 = info, 2+ = debug.
void Init(int verbosity, Format format);

}  // namespace ferry::log
