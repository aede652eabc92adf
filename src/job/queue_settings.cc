#include "job/queue_settings.h"

#include "auth/chain.h"
#include "auth/static_provider.h"

namespace ferry::job {

Result<OpenedQueue> OpenQueue(const QueueSettings& settings, std::shared_ptr<net::HttpClient> http,
                              const std::string& flag_prefix) {
  const EndpointSettings& e = settings.endpoint;
  auto address = queue::ParseQueueUrl(settings.url, e.region, e.endpoint);
  if (!address.ok()) return std::move(address).take_error();
  std::shared_ptr<auth::CredentialProvider> creds;
  if (e.no_sign_request) {
    creds = std::make_shared<auth::AnonymousProvider>();
  } else if (!e.keys.empty()) {
    creds = std::make_shared<auth::StaticProvider>(e.keys, "stored credential");
  } else {
    auth::ChainOptions options;
    options.profile = e.profile;
    options.secret = e.secret;
    options.http = http;
    options.flag_prefix = flag_prefix;
    auto chain = auth::MakeDefaultChain(options);
    if (!chain.ok()) return std::move(chain).take_error().Context("the queue's credentials");
    creds = std::move(*chain);
  }
  auto client = queue::SqsClient::Create({address->endpoint, address->region}, std::move(creds),
                                         std::move(http));
  if (!client.ok()) return std::move(client).take_error();
  return OpenedQueue{std::move(*address), std::move(*client)};
}

}  // namespace ferry::job
