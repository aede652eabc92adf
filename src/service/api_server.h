// The REST API under /api/v1 (described by /api/v1/openapi.json) and
// Prometheus metrics at /metrics, on cpp-httplib's thread pool.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace httplib {
class Server;
}

namespace ferry::service {

struct ApiContext;

class ApiServer {
 public:
  // HTTPS with the PEM files `tls_cert` and `tls_key`; plain HTTP when both are
  // "". InvalidArgument when they cannot be loaded.
  static Result<std::unique_ptr<ApiServer>> Create(ApiContext& api, const std::string& tls_cert,
                                                   const std::string& tls_key);
  ApiServer(ApiContext& api, std::unique_ptr<httplib::Server> server);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds `host`:`port` (port 0 = any free port). Returns the bound port.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(). REQUIRES: Bind succeeded.
  void Serve();
  // Thread-safe; makes Serve return.
  void Stop();

 private:
  ApiContext& api_;
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace ferry::service
