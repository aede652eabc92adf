// Plain HTTP request/response values shared by every layer above net/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/byte_pipe.h"

namespace ferry::net {

// Header names as sent; lookups are case-insensitive.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first header called `name`.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);
// Replaces (or adds) header `name`.
void SetHeader(Headers& headers, std::string name, std::string value);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, already percent-encoded
  Headers headers;

  // Request body, streamed from caller memory without a copy.
  // REQUIRES: the memory outlives the request's completion.
  std::string_view body;

  // When set, the bytes of a 2xx response body are handed here as they arrive
  // instead of being collected in HttpResponse::body (other statuses' bodies, the
  // error documents, are still collected). Return false to abort the transfer.
  // Runs on the client's driver thread: it must not block.
  std::function<bool(std::string_view chunk)> body_sink;

  // Streaming one transfer into another (a GET's body into a PUT's): a 2xx
  // response body goes into `body_into` instead of `body_sink` or
  // HttpResponse::body, and the request body of `body_from_length` bytes is read
  // from `body_from` instead of `body`. A full or empty pipe pauses the transfer
  // (no thread waits); the pipe's other end wakes it. Such a request is sent
  // once: its bytes cannot be read again for a retry.
  std::shared_ptr<BytePipe> body_into;
  std::shared_ptr<BytePipe> body_from;
  uint64_t body_from_length = 0;

  // Abort when no connection after this long.
  std::chrono::milliseconds connect_timeout{10'000};
  // Abort when fewer than low_speed_bytes per second flow for low_speed_window.
  // This, not a total timeout, bounds a stalled transfer of any size.
  long low_speed_bytes = 1;
  std::chrono::seconds low_speed_window{60};
  // Zero = no limit on the whole request.
  std::chrono::milliseconds total_timeout{0};

  // On a new connection, not a pooled one. libcurl silently sends a request
  // again when a reused connection dies before the answer; a request with an
  // effect each time (CreateMultipartUpload) must not be sent twice unseen.
  bool fresh_connection = false;

  // A fixed address this process chose itself (the instance metadata service),
  // exempt from the client's TargetPolicy. Never set for a user's URL.
  bool trusted_target = false;
};

struct HttpResponse {
  long status = 0;
  Headers headers;   // names lower-cased
  std::string body;  // empty when the request had a body_sink

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

}  // namespace ferry::net
