#include "queue/queue_address.h"

#include <cstdlib>
#include <regex>

#include "net/url.h"

namespace ferry::queue {
namespace {

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

Status Malformed(const std::string& url, const std::string& why) {
  return Status::InvalidArgument(
      "queue URL '" + url + "' " + why,
      "a queue URL looks like https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (as "
      "CreateQueue and the SQS console give it)");
}

}  // namespace

std::string QueueAddress::Arn() const {
  const char* partition = region.rfind("cn-", 0) == 0       ? "aws-cn"
                          : region.rfind("us-gov-", 0) == 0 ? "aws-us-gov"
                                                            : "aws";
  return std::string("arn:") + partition + ":sqs:" + region + ":" + account + ":" + name;
}

std::string QueueAddress::Sibling(const std::string& other) const {
  const size_t slash = url.rfind('/');
  return url.substr(0, slash + 1) + other;
}

Result<QueueAddress> ParseQueueUrl(const std::string& url, const std::string& region,
                                   const std::string& endpoint) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return Malformed(url, "is not an http(s) URL");
  if (!parsed->query.empty()) return Malformed(url, "must not have a query");
  // The path is /ACCOUNT/NAME; some services add a prefix before them.
  std::string path = parsed->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  const size_t last = path.rfind('/');
  if (last == std::string::npos || last + 1 >= path.size() || last == 0) {
    return Malformed(url, "does not end in /ACCOUNT/NAME");
  }
  QueueAddress a;
  a.url = url;
  while (!a.url.empty() && a.url.back() == '/') a.url.pop_back();
  a.name = path.substr(last + 1);
  const size_t before = path.rfind('/', last - 1);
  a.account = path.substr(before == std::string::npos ? 0 : before + 1,
                          last - (before == std::string::npos ? 0 : before + 1));
  static const std::regex kName("^[A-Za-z0-9_-]{1,80}(\\.fifo)?$");
  if (!std::regex_match(a.name, kName)) {
    return Malformed(url, "names no valid queue (1 to 80 letters, digits, '-' or '_')");
  }
  // sqs.REGION.amazonaws.com[.cn], or the legacy REGION.queue.amazonaws.com.
  static const std::regex kAws(R"(^sqs(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$)");
  static const std::regex kLegacy(R"(^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$)");
  std::smatch m;
  if (std::regex_match(parsed->host, m, kAws)) {
    a.region = m[2].str();
  } else if (std::regex_match(parsed->host, m, kLegacy)) {
    a.region = m[1].str();
  }
  if (!region.empty()) a.region = region;
  if (a.region.empty()) a.region = FirstEnv({"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (a.region.empty()) a.region = "us-east-1";
  a.endpoint = endpoint.empty() ? FirstEnv({"AWS_ENDPOINT_URL_SQS"}) : endpoint;
  if (a.endpoint.empty()) a.endpoint = parsed->Origin();
  while (!a.endpoint.empty() && a.endpoint.back() == '/') a.endpoint.pop_back();
  return a;
}

}  // namespace ferry::queue
