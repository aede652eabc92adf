#include "auth/secret_provider.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/sigv4.h"

namespace ferry::auth {
namespace {

constexpr char kExpectedFormat[] =
    "a JSON object {\"access_key_id\": \"<Your Access Key ID>\", \"secret_access_key\": "
    "\"<Your Access Key Secret>\"}";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

Result<Credentials> ParseSecretJson(const std::string& json, const std::string& where) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  auto malformed = [&](const std::string& why) {
    return Status::InvalidArgument("malformed " + where + ": " + why, kExpectedFormat);
  };
  if (doc.is_discarded()) return malformed("not valid JSON");
  if (!doc.is_object()) return malformed("not a JSON object");
  auto field = [&](const char* a, const char* b) -> std::string {
    for (const char* name : {a, b}) {
      if (doc.contains(name) && doc[name].is_string()) return doc[name].get<std::string>();
    }
    return {};
  };
  Credentials c;
  c.access_key_id = field("access_key_id", "AccessKeyId");
  c.secret_access_key = field("secret_access_key", "SecretAccessKey");
  c.session_token = field("session_token", "SessionToken");
  if (c.access_key_id.empty()) return malformed("no \"access_key_id\" string");
  if (c.secret_access_key.empty()) return malformed("no \"secret_access_key\" string");
  return c;
}

SecretProvider::SecretProvider(std::string source, std::shared_ptr<CredentialProvider> base,
                               std::shared_ptr<net::HttpClient> http, std::string region,
                               std::string endpoint)
    : source_(std::move(source)),
      base_(std::move(base)),
      http_(std::move(http)),
      region_(std::move(region)),
      endpoint_(std::move(endpoint)) {
  // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME names its region.
  if (region_.empty() && source_.starts_with("arn:")) {
    size_t pos = 0;
    for (int i = 0; i < 3 && pos != std::string::npos; ++i) pos = source_.find(':', pos + 1);
    if (pos != std::string::npos) region_ = source_.substr(pos + 1, source_.find(':', pos + 1) - pos - 1);
  }
  if (region_.empty()) region_ = Env("AWS_REGION");
  if (region_.empty()) region_ = Env("AWS_DEFAULT_REGION");
  if (region_.empty()) region_ = "us-east-1";
  if (endpoint_.empty()) endpoint_ = Env("AWS_ENDPOINT_URL_SECRETS_MANAGER");
  if (endpoint_.empty()) endpoint_ = Env("AWS_ENDPOINT_URL");
  if (endpoint_.empty()) endpoint_ = "https://secretsmanager." + region_ + ".amazonaws.com";
}

bool SecretProvider::IsSecretsManagerId(const std::string& source) {
  return source.starts_with("arn:") || source.starts_with("secretsmanager:");
}

std::string SecretProvider::Describe() const {
  return IsSecretsManagerId(source_) ? "secret '" + source_ + "' in Secrets Manager"
                                     : "secret file '" + source_ + "'";
}

bool SecretProvider::Invalidate() {
  MutexLock lock(mu_);
  cached_.reset();
  return true;
}

Result<std::string> SecretProvider::ReadSecretText(std::stop_token stop) {
  if (!IsSecretsManagerId(source_)) {
    std::ifstream in(source_);
    if (!in) {
      return Status::InvalidArgument("cannot read the secret file '" + source_ + "'",
                                     "the file exists and is readable");
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  const std::string id =
      source_.starts_with("secretsmanager:") ? source_.substr(15) : source_;
  auto base = base_->Get(stop);
  if (!base.ok()) {
    return std::move(base).take_error().Context("credentials to read " + Describe());
  }
  const std::string body = nlohmann::json{{"SecretId", id}}.dump();
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint_ + "/";
  req.body = body;
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  FERRY_RETURN_IF_ERROR(
      SignRequest(req, *base, {region_, "secretsmanager", std::chrono::system_clock::now(), ""}));
  auto response = http_->Send(std::move(req), stop);
  if (!response.ok()) return std::move(response).take_error().Context("reading " + Describe());
  return ParseGetSecretValue(response->status, response->body, Describe());
}

Result<std::string> ParseGetSecretValue(long status, const std::string& body,
                                        const std::string& what) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  // A field of another type is absent, not an exception.
  auto text = [&](const char* name) {
    if (!doc.is_object()) return std::string();
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (status != 200) {
    const std::string type = text("__type");
    const std::string message = !text("message").empty() ? text("message") : text("Message");
    const Code code = type.find("ResourceNotFound") != std::string::npos ? Code::kNotFound
                      : status >= 500                                   ? Code::kUnavailable
                                                                        : Code::kPermissionDenied;
    return Status(code, "reading " + what + " failed: " + type + " " + message,
                  "the secret's name or ARN and region, and that these credentials may call "
                  "secretsmanager:GetSecretValue (and kms:Decrypt for its key)");
  }
  if (!doc.is_object() || !doc.contains("SecretString") || !doc["SecretString"].is_string()) {
    return Status::InvalidArgument(what + " has no SecretString", kExpectedFormat);
  }
  return doc["SecretString"].get<std::string>();
}

std::optional<Credentials> SecretProvider::Cached() {
  MutexLock lock(mu_);
  return cached_;
}

Result<Credentials> SecretProvider::Get(std::stop_token stop) {
  {
    MutexLock lock(mu_);
    if (cached_) return *cached_;
  }
  auto text = ReadSecretText(stop);
  if (!text.ok()) return std::move(text).take_error();
  auto creds = ParseSecretJson(*text, Describe());
  if (!creds.ok()) return creds;
  MutexLock lock(mu_);
  cached_ = *creds;
  return *creds;
}

}  // namespace ferry::auth
