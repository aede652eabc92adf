// A SyncSpec as JSON, in the shape of a server task's fields (mode, source,
// destination, source_endpoint, destination_endpoint, options): what a fleet
// work item carries so that any worker can open the same two sides. Secrets
// never go in: a spec with stored keys is refused, credentials travel by name
// (a profile, a secret file path or Secrets Manager ARN, resolved by the worker).
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "job/sync_spec.h"

namespace ferry::job {

// InvalidArgument when a side carries keys (they would be sent in the clear).
Result<nlohmann::json> SpecToJson(const SyncSpec& spec);
// The shape and types of `j`; errors name the field.
Result<SyncSpec> SpecFromJson(const nlohmann::json& j);

}  // namespace ferry::job
