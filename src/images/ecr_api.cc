#include "images/ecr_api.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <regex>

#include "images/json_field.h"
#include "auth/sigv4.h"
#include "core/base64.h"

namespace ferry::images {
namespace {

constexpr char kTargetPrefix[] = "AmazonEC2ContainerRegistry_V20150921.";

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

}  // namespace

std::optional<EcrRegistry> ParseEcrHost(const std::string& host) {
  static const std::regex kHost(
      R"(^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$)");
  std::smatch m;
  if (!std::regex_match(host, m, kHost)) return std::nullopt;
  return EcrRegistry{m[1].str(), m[3].str()};
}

EcrApi::EcrApi(EcrRegistry registry, std::string endpoint,
               std::shared_ptr<auth::CredentialProvider> credentials,
               std::shared_ptr<net::HttpClient> http)
    : registry_(std::move(registry)),
      endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      http_(std::move(http)) {
  if (endpoint_.empty()) endpoint_ = FirstEnv({"AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL"});
  if (endpoint_.empty()) endpoint_ = "https://api.ecr." + registry_.region + ".amazonaws.com";
  while (endpoint_.ends_with('/')) endpoint_.pop_back();
}

Result<std::string> EcrApi::Call(const std::string& action, const std::string& body,
                                 std::stop_token stop) {
  auto creds = credentials_->Get(stop);
  if (!creds.ok()) {
    return std::move(creds).take_error().Context("AWS credentials for ECR " + action).WithHint(
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a "
        "role is available (web identity, ECS, EC2)");
  }
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint_ + "/";
  req.body = body;
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", kTargetPrefix + action}};
  FERRY_RETURN_IF_ERROR(auth::SignRequest(
      req, *creds, {registry_.region, "ecr", std::chrono::system_clock::now(), ""}));
  auto response = http_->Send(std::move(req), stop);
  if (!response.ok()) {
    return std::move(response).take_error().Context("ECR " + action + " at " + endpoint_);
  }
  if (response->status == 200) return std::move(response->body);
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  std::string type = StringField(doc, "__type");
  type = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
  std::string message = StringField(doc, "message");
  if (message.empty()) message = StringField(doc, "Message");
  Code code = Code::kPermissionDenied;
  std::string hint = "that the AWS credentials may call ecr:" + action + " in region " +
                     registry_.region;
  if (response->status >= 500) {
    code = Code::kUnavailable;
    hint = "the ECR endpoint " + endpoint_;
  } else if (type.find("UnrecognizedClient") != std::string::npos ||
             type.find("InvalidSignature") != std::string::npos ||
             type.find("ExpiredToken") != std::string::npos) {
    code = Code::kUnauthenticated;
    hint = "the AWS access key (" + credentials_->Describe() + ") and region " + registry_.region;
  } else if (type.find("Throttling") != std::string::npos) {
    code = Code::kResourceExhausted;
  }
  return Status(code, "ECR " + action + " failed: " + type + (message.empty() ? "" : " " + message),
                hint)
      .WithServiceCode(type, static_cast<int>(response->status));
}

Result<Login> EcrApi::GetAuthorizationToken(std::stop_token stop) {
  auto body = Call("GetAuthorizationToken", "{}", stop);
  if (!body.ok()) return std::move(body).take_error();
  auto doc = nlohmann::json::parse(*body, nullptr, false);
  auto malformed = [&] {
    return Status::Internal("ECR GetAuthorizationToken at " + endpoint_ +
                            " answered without a usable authorizationToken");
  };
  if (!doc.is_object() || !doc.contains("authorizationData") ||
      !doc["authorizationData"].is_array() || doc["authorizationData"].empty()) {
    return malformed();
  }
  const auto& data = doc["authorizationData"][0];
  if (!data.contains("authorizationToken") || !data["authorizationToken"].is_string()) {
    return malformed();
  }
  auto token = Base64Decode(data["authorizationToken"].get<std::string>());
  const size_t colon = token ? token->find(':') : std::string::npos;
  if (colon == std::string::npos) return malformed();
  return Login{token->substr(0, colon), token->substr(colon + 1)};
}

Status EcrApi::EnsureRepository(const std::string& repository, std::stop_token stop) {
  {
    MutexLock lock(mu_);
    if (ensured_.contains(repository)) return Status::OK();
  }
  nlohmann::json request = {{"repositoryName", repository}};
  if (!registry_.account.empty()) request["registryId"] = registry_.account;
  auto body = Call("CreateRepository", request.dump(), stop);
  if (!body.ok() && body.error().service_code() != "RepositoryAlreadyExistsException") {
    return std::move(body).take_error().Context("creating repository '" + repository + "'");
  }
  MutexLock lock(mu_);
  ensured_.insert(repository);
  return Status::OK();
}

Result<std::vector<std::string>> EcrApi::ListRepositories(std::stop_token stop) {
  std::vector<std::string> names;
  std::string next;
  do {
    nlohmann::json request = {{"maxResults", 1000}};
    if (!registry_.account.empty()) request["registryId"] = registry_.account;
    if (!next.empty()) request["nextToken"] = next;
    auto body = Call("DescribeRepositories", request.dump(), stop);
    if (!body.ok()) return std::move(body).take_error();
    auto doc = nlohmann::json::parse(*body, nullptr, false);
    if (!doc.is_object()) return Status::Internal("ECR DescribeRepositories: malformed answer");
    if (doc.contains("repositories") && doc["repositories"].is_array()) {
      for (const auto& repo : doc["repositories"]) {
        if (std::string name = StringField(repo, "repositoryName"); !name.empty()) {
          names.push_back(std::move(name));
        }
      }
    }
    next = StringField(doc, "nextToken");
  } while (!next.empty());
  return names;
}

Result<std::optional<Login>> EcrLoginSource::Get(std::stop_token stop) {
  MutexLock lock(mu_);
  if (!cached_) {
    auto login = api_->GetAuthorizationToken(stop);
    if (!login.ok()) return std::move(login).take_error();
    cached_ = std::move(*login);
  }
  return cached_;
}

bool EcrLoginSource::Invalidate() {
  MutexLock lock(mu_);
  const bool had = cached_.has_value();
  cached_.reset();
  return had;
}

std::string EcrLoginSource::Describe() const {
  return "an ECR authorization token from " + api_->endpoint();
}

}  // namespace ferry::images
