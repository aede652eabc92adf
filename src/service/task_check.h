// Whether a task spec can run on this server, checked when it is created or
// updated so that a bad spec is refused with a clear message instead of failing
// at its first run: schedule, options, locations, named endpoints, stored
// credentials, local folders (only under the server's --local-root) and URLs.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "job/config_file.h"
#include "service/task.h"

namespace ferry::service {

struct TaskCheckContext {
  job::EndpointConfigs configs;  // named endpoints (the server's --config)
  std::string config_path;
  std::string local_root;  // canonical folder; "" = local folders are refused
  std::function<bool(const std::string&)> credential_exists;
};

Status CheckTaskSpec(const TaskSpec& spec, const TaskCheckContext& context);

// The local folder `path` if it lies inside `root` (both made absolute and
// normal); InvalidArgument otherwise.
Status CheckInsideRoot(const std::string& path, const std::string& root, Side side);

}  // namespace ferry::service
