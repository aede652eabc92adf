// An asynchronous HTTP client on libcurl's multi interface.
//
// One driver thread owns every curl handle and runs all transfers: hundreds of
// requests in flight cost sockets, not threads. Connections are reused across
// requests to the same host. TLS peers are verified by default against the CA
// bundle named by AWS_CA_BUNDLE, else SSL_CERT_FILE, else the system store.
// Proxies come from the environment (http_proxy, https_proxy, no_proxy) as curl reads them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "core/status.h"
#include "net/http.h"
#include "net/target_policy.h"

namespace ferry::net {

struct HttpClientOptions {
  bool verify_tls = true;
  std::string ca_bundle;            // empty = AWS_CA_BUNDLE, SSL_CERT_FILE, system default
  long max_connections_per_host = 0;  // 0 = unlimited (curl default)
  long max_total_connections = 0;     // 0 = unlimited
  // Addresses connections may reach; null = the process's (ProcessTargetPolicy()).
  std::shared_ptr<const TargetPolicy> targets;
};

class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;

  explicit HttpClient(HttpClientOptions options = {});
  // Cancels what is still in flight (callbacks receive Cancelled) and joins the driver.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues `request`; `done` runs exactly once on the driver thread (must not block).
  // Non-2xx statuses are responses, not errors: errors are transport failures
  // (DNS, refused, TLS, timeouts), each naming the endpoint. A stop request on
  // `stop` aborts the transfer with Cancelled. `not_before` delays the start
  // (used for retry backoff without sleeping a thread).
  void Start(HttpRequest request, Callback done, std::stop_token stop = {},
             std::chrono::steady_clock::time_point not_before = {});

  // Blocking convenience over Start.
  Result<HttpResponse> Send(HttpRequest request, std::stop_token stop = {});

 private:
  class Driver;
  std::unique_ptr<Driver> driver_;
};

}  // namespace ferry::net
