// The flags that say how to reach one S3 service.
#pragma once

#include <string>

#include "job/endpoint_settings.h"

namespace CLI {
class App;
}

namespace ferry::cli {

// Registers --endpoint, --region, --profile, --secret, --path-style and
// --no-sign-request with `prefix` ("" or "src-"/"dst-"), bound to `settings`.
void AddEndpointFlags(CLI::App& app, const std::string& prefix, job::EndpointSettings& settings);

}  // namespace ferry::cli
