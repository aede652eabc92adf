#include "auth/metadata_providers.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/time_format.h"

namespace ferry::auth {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

Result<net::HttpResponse> Call(net::HttpClient& http, std::string method, std::string url,
                               net::Headers headers, std::stop_token stop) {
  net::HttpRequest req;
  req.method = std::move(method);
  req.url = std::move(url);
  req.headers = std::move(headers);
  req.connect_timeout = std::chrono::seconds(1);
  req.total_timeout = std::chrono::seconds(5);
  // The metadata services' addresses come from this process (or its own
  // environment), never from a task: a server's target policy does not apply.
  req.trusted_target = true;
  return http.Send(std::move(req), stop);
}

}  // namespace

Result<Credentials> ParseMetadataCredentials(const std::string& json, const std::string& what) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) return Status::Unavailable(what + " answered with something not JSON");
  // A field of another type is absent, not an exception.
  auto text = [&](const char* name) {
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Credentials c;
  c.access_key_id = text("AccessKeyId");
  c.secret_access_key = text("SecretAccessKey");
  c.session_token = text("Token");
  if (auto ms = ParseIso8601Ms(text("Expiration"))) {
    if (auto when = TimePointFromMs(*ms)) c.expiration = *when;
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable(what + " returned no credentials");
  }
  return c;
}

ContainerProvider::ContainerProvider(std::shared_ptr<net::HttpClient> http)
    : http_(std::move(http)) {
  if (const std::string rel = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); !rel.empty()) {
    url_ = "http://169.254.170.2" + rel;
  } else {
    url_ = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  }
}

Result<Credentials> ContainerProvider::Fetch(std::stop_token stop) {
  if (url_.empty()) return Status::NotFound("no container credentials endpoint is set");
  net::Headers headers;
  std::string token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (const std::string file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    std::ifstream in(file);
    std::ostringstream s;
    s << in.rdbuf();
    token = s.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  if (!token.empty()) headers.emplace_back("Authorization", token);
  auto response = Call(*http_, "GET", url_, headers, stop);
  if (!response.ok()) return std::move(response).take_error().Context(Describe());
  if (response->status != 200) {
    return Status::Unavailable(Describe() + " answered HTTP " + std::to_string(response->status),
                               "the task role and AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  return ParseMetadataCredentials(response->body, Describe());
}

InstanceProvider::InstanceProvider(std::shared_ptr<net::HttpClient> http)
    : http_(std::move(http)) {
  endpoint_ = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint_.empty()) endpoint_ = "http://169.254.169.254";
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  std::string disabled = Env("AWS_EC2_METADATA_DISABLED");
  disabled_ = disabled == "true" || disabled == "TRUE" || disabled == "1";
}

Result<Credentials> InstanceProvider::Fetch(std::stop_token stop) {
  if (disabled_) return Status::NotFound("AWS_EC2_METADATA_DISABLED is set");
  auto token = Call(*http_, "PUT", endpoint_ + "/latest/api/token",
                    {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, stop);
  // Off EC2 nothing answers: that is "not here", not an error of the chain.
  if (!token.ok()) return Status::NotFound(Describe() + " is not reachable");
  if (token->status != 200) {
    return Status::Unavailable(Describe() + " refused a session token (HTTP " +
                               std::to_string(token->status) + ")",
                               "that IMDSv2 is enabled and the hop limit allows containers");
  }
  const net::Headers auth = {{"X-aws-ec2-metadata-token", token->body}};
  const std::string base = endpoint_ + "/latest/meta-data/iam/security-credentials/";
  auto role = Call(*http_, "GET", base, auth, stop);
  if (!role.ok()) return std::move(role).take_error().Context(Describe());
  std::string name = role->body.substr(0, role->body.find('\n'));
  if (role->status != 200 || name.empty()) {
    return Status::NotFound(Describe() + " has no instance role attached");
  }
  auto creds = Call(*http_, "GET", base + name, auth, stop);
  if (!creds.ok()) return std::move(creds).take_error().Context(Describe());
  if (creds->status != 200) {
    return Status::Unavailable(Describe() + " answered HTTP " + std::to_string(creds->status) +
                               " for role '" + name + "'");
  }
  return ParseMetadataCredentials(creds->body, Describe() + " role '" + name + "'");
}

}  // namespace ferry::auth
