// Process exit codes, the same for every sub-command (see README).
#pragma once

#include "core/status.h"

namespace ferry::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitDifferences = 1,   // `check` found differences
  kExitUsage = 2,         // usage or configuration error
  kExitPartial = 3,       // finished, but some objects failed every attempt
  kExitFatal = 4,         // authentication, missing bucket, unreachable endpoint
  kExitInterrupted = 130, // stopped by Ctrl-C or SIGTERM, as shells report SIGINT
};

inline int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  if (status.code() == Code::kCancelled) return kExitInterrupted;
  return status.code() == Code::kInvalidArgument && status.service_code().empty() ? kExitUsage
                                                                                 : kExitFatal;
}

}  // namespace ferry::cli
