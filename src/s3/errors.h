// S3 error documents to Status values with user-facing messages and hints
// (the error table of DESIGN.md).
#pragma once

#include <string>

#include "core/status.h"
#include "net/http.h"

namespace ferry::s3 {

struct S3ErrorDocument {
  std::string code;     // "NoSuchBucket"
  std::string message;
  std::string region;   // AuthorizationHeaderMalformed / PermanentRedirect carry it
};

// Parses <Error><Code/><Message/><Region/></Error>; empty fields when absent.
S3ErrorDocument ParseErrorDocument(std::string_view body);

// Where an error happened, for the message.
struct ErrorContext {
  const char* op = "";      // "ListObjectsV2"
  const char* action = "";  // "s3:ListBucket"
  std::string bucket;
  std::string key;
  std::string endpoint;     // as configured, for "check the endpoint"
  Side side = Side::kNone;
};

// Maps a non-2xx response (or a 200 with an <Error> body) to a Status whose code
// decides retries and whose message names the operation, bucket/key and side.
Status ErrorFromResponse(const net::HttpResponse& response, const ErrorContext& context);

}  // namespace ferry::s3
