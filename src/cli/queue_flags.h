// The flags that say how to reach an SQS queue (--queue-endpoint, --queue-region,
// --queue-profile, --queue-secret), shared by watch, worker and --fleet.
#pragma once

#include <string>

#include "job/endpoint_settings.h"

namespace CLI {
class App;
}

namespace ferry::cli {

void AddQueueFlags(CLI::App& app, job::EndpointSettings& settings);

}  // namespace ferry::cli
