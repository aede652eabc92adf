// Where an SQS queue lives, as its URL names it: the endpoint to send API calls
// to, the region to sign for, the account and the queue's name (and so its ARN).
#pragma once

#include <string>

#include "core/status.h"

namespace ferry::queue {

struct QueueAddress {
  std::string url;       // as given: https://sqs.eu-west-1.amazonaws.com/123456789012/name
  std::string endpoint;  // scheme://host[:port], where API calls go
  std::string region;
  std::string account;   // may be empty for a service that names none
  std::string name;

  // arn:aws:sqs:REGION:ACCOUNT:NAME (aws-cn in China regions).
  std::string Arn() const;
  // The URL of a queue `name` on the same endpoint and account.
  std::string Sibling(const std::string& name) const;
};

// Parses a queue URL. The region comes from an Amazon host
// (sqs.REGION.amazonaws.com, REGION.queue.amazonaws.com), else `region`, else
// AWS_REGION, AWS_DEFAULT_REGION, us-east-1. `endpoint` (else AWS_ENDPOINT_URL_SQS)
// overrides where calls go (a VPC endpoint, a test server).
Result<QueueAddress> ParseQueueUrl(const std::string& url, const std::string& region = "",
                                   const std::string& endpoint = "");

}  // namespace ferry::queue
