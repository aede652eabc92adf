// How to reach an SQS queue: its URL, and the endpoint, region and credentials
// to call it with (the same credential choices as a side: a profile, a secret
// file or Secrets Manager ARN, stored keys, else the standard chain).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "job/endpoint_settings.h"
#include "net/http_client.h"
#include "queue/queue_address.h"
#include "queue/sqs_client.h"

namespace ferry::job {

struct QueueSettings {
  std::string url;            // https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
  EndpointSettings endpoint;  // endpoint (else the URL's host), region (else the URL's), credentials
};

struct OpenedQueue {
  queue::QueueAddress address;
  std::unique_ptr<queue::SqsClient> client;
};

// Parses the URL and builds a client for it. `flag_prefix` names the flags in
// errors about credentials ("--queue-").
Result<OpenedQueue> OpenQueue(const QueueSettings& settings, std::shared_ptr<net::HttpClient> http,
                              const std::string& flag_prefix = "--queue-");

}  // namespace ferry::job
