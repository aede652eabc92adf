// Set-up in one step (`ferry watch --setup-notifications [--create-queue]`):
// the queue and its dead-letter queue with a redrive policy and a policy that
// lets the bucket send to it, and the bucket's notification configuration
// pointing its ObjectCreated (and ObjectRemoved) events under the watched
// prefix at the queue. Both are idempotent: running them again changes nothing.
#pragma once

#include <stop_token>
#include <string>

#include "core/status.h"
#include "queue/queue_address.h"
#include "queue/sqs_client.h"
#include "s3/s3_client.h"

namespace ferry::events {

struct QueueSetup {
  int max_receive_count = 5;    // receives before a message goes to the dead-letter queue
  int visibility_timeout = 60;  // the queue's default, seconds
  std::string source_bucket;    // allowed to send (aws:SourceArn); "" = no policy
};

// Makes sure the queue at `address` exists with a dead-letter queue
// (NAME-dlq) and a redrive policy; creates what is missing and leaves what
// exists (an existing queue keeps its own redrive policy and access policy).
// Returns the queue's URL as the service names it.
Result<std::string> EnsureEventQueue(queue::SqsClient& sqs, const queue::QueueAddress& address,
                                     const QueueSetup& setup, std::stop_token stop);

// Adds (or replaces) the bucket notification that sends ObjectCreated:* (and
// ObjectRemoved:* when `removals`) under `prefix` to `queue_arn`, keeping every
// other notification of the bucket. S3 answers by sending s3:TestEvent.
Status SetupBucketNotification(s3::S3Client& s3, const std::string& bucket,
                               const std::string& prefix, const std::string& queue_arn,
                               bool removals, std::stop_token stop);

}  // namespace ferry::events
