// The web console at "/": its embedded files, the security headers every answer
// carries, and the index page for the console's own paths (/tasks/ID, ...),
// which the browser-side router resolves.
#pragma once

#include <string>

namespace httplib {
class Server;
struct Response;
}

namespace ferry::service {

struct ApiContext;

// The Content-Security-Policy of every answer: scripts and styles from this
// origin only (no inline script), no framing.
extern const char kContentSecurityPolicy[];

// Sets `json` as the answer's body, gzipped when the request accepts it (the
// API's answers; see AddConsoleRoutes for how the request is known).
void SetJsonBody(httplib::Response& res, std::string json);

// GET / and the console's paths (everything outside /api/ and /metrics), and
// the security headers on every answer. Register after the API routes.
void AddConsoleRoutes(httplib::Server& server, ApiContext& api);

}  // namespace ferry::service
