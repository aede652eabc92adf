// The OpenAPI 3 document of the REST API (src/service/openapi.json, compiled in).
#pragma once

namespace ferry::service {

const char* OpenApiDocument();

}  // namespace ferry::service
