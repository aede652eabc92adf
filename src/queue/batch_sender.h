// Sends any number of messages with SendMessageBatch: packed ten at a time
// within SQS's 256 KiB per call, and every message that fails for a reason on
// the service's side sent again until it is accepted. A message is never
// dropped: either all are sent, or the error says how many were not.
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "queue/sqs_client.h"

namespace ferry::queue {

struct SendOptions {
  // Rounds of resending what failed before giving up (each round waits longer,
  // up to 20 s): about ten minutes of an unavailable service with the default.
  int max_rounds = 40;
};

// Sends every body to `url`. Errors: a message SQS refuses as such (too long,
// invalid characters) or a failure that outlasts `options.max_rounds`; the
// message says how many messages were not sent.
Status SendAll(SqsClient& client, const std::string& url, const std::vector<std::string>& bodies,
               std::stop_token stop, const SendOptions& options = {});

// The size of `body` as SendMessageBatch counts it against the 256 KiB limit.
inline size_t BatchBytes(const std::string& body) { return body.size(); }

}  // namespace ferry::queue
