// The three queues of a fleet: the work queue (NAME), its dead-letter queue
// (named by the work queue's redrive policy; NAME-dlq when ferry creates it) and
// the results queue (NAME-results) that workers report to.
#pragma once

#include <stop_token>
#include <string>

#include "core/status.h"
#include "queue/queue_address.h"
#include "queue/sqs_client.h"

namespace ferry::fleet {

struct FleetQueues {
  std::string work_url;
  std::string results_url;
  std::string dlq_url;        // "" when the work queue has no redrive policy
  int max_receive_count = 0;  // of the redrive policy; 0 = none
  int visibility_timeout = 0; // the work queue's default, seconds
};

struct QueueCreation {
  bool create = false;          // create what is missing (--create-queues)
  int max_receive_count = 5;
  int visibility_timeout = 120;
};

// Finds (or with `creation.create` makes) the three queues of the work queue at
// `work`. Errors: a missing work or results queue (naming --create-queues).
Result<FleetQueues> OpenFleetQueues(queue::SqsClient& sqs, const queue::QueueAddress& work,
                                    const QueueCreation& creation, std::stop_token stop);

// The work queue's redrive policy: (dead-letter queue name, maxReceiveCount), or
// ("", 0) without one.
std::pair<std::string, int> ParseRedrivePolicy(const std::string& policy);

}  // namespace ferry::fleet
