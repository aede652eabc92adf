#include "auth/sts_provider.h"

#include <pugixml.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/sigv4.h"
#include "core/time_format.h"
#include "net/url.h"

namespace ferry::auth {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

void ResolveEndpoint(AssumeRoleOptions& o) {
  if (o.region.empty()) o.region = Env("AWS_REGION");
  if (o.region.empty()) o.region = Env("AWS_DEFAULT_REGION");
  if (o.region.empty()) o.region = "us-east-1";
  if (o.endpoint.empty()) o.endpoint = Env("AWS_ENDPOINT_URL_STS");
  if (o.endpoint.empty()) o.endpoint = Env("AWS_ENDPOINT_URL");
  if (o.endpoint.empty()) o.endpoint = "https://sts." + o.region + ".amazonaws.com";
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    if (!out.empty()) out += '&';
    out += net::UriEncode(k, false) + "=" + net::UriEncode(v, false);
  }
  return out;
}

Result<Credentials> CallSts(net::HttpClient& http, const AssumeRoleOptions& o, const std::string& body,
                            const Credentials* signer, const std::string& what,
                            std::stop_token stop) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = o.endpoint + "/";
  req.body = body;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  if (signer != nullptr) {
    FERRY_RETURN_IF_ERROR(
        SignRequest(req, *signer, {o.region, "sts", std::chrono::system_clock::now(), ""}));
  }
  auto response = http.Send(std::move(req), stop);
  if (!response.ok()) return std::move(response).take_error().Context(what);
  if (response->status != 200) {
    pugi::xml_document doc;
    doc.load_buffer(response->body.data(), response->body.size());
    const pugi::xml_node error = doc.document_element().child("Error");
    const Code code = response->status >= 500 ? Code::kUnavailable : Code::kPermissionDenied;
    return Status(code,
                  what + " failed: " + error.child_value("Code") + " " +
                      error.child_value("Message"),
                  "the role ARN, its trust policy, and that the caller may sts:AssumeRole");
  }
  return ParseStsCredentials(response->body, what);
}

}  // namespace

Result<Credentials> ParseStsCredentials(const std::string& xml, const std::string& what) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return Status::Unavailable(what + " returned malformed XML");
  }
  // <XResponse><XResult><Credentials>: find Credentials whatever X is.
  pugi::xml_node creds = doc.document_element().first_child().child("Credentials");
  Credentials c;
  c.access_key_id = creds.child_value("AccessKeyId");
  c.secret_access_key = creds.child_value("SecretAccessKey");
  c.session_token = creds.child_value("SessionToken");
  if (auto ms = ParseIso8601Ms(creds.child_value("Expiration"))) {
    if (auto when = TimePointFromMs(*ms)) c.expiration = *when;
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable(what + " returned no credentials");
  }
  return c;
}

AssumeRoleProvider::AssumeRoleProvider(AssumeRoleOptions options,
                                       std::shared_ptr<CredentialProvider> base,
                                       std::shared_ptr<net::HttpClient> http)
    : options_(std::move(options)), base_(std::move(base)), http_(std::move(http)) {
  ResolveEndpoint(options_);
}

std::string AssumeRoleProvider::Describe() const {
  return "role '" + options_.role_arn + "' assumed with " + base_->Describe();
}

Result<Credentials> AssumeRoleProvider::Fetch(std::stop_token stop) {
  auto base = base_->Get(stop);
  if (!base.ok()) return std::move(base).take_error().Context("credentials to assume a role");
  const std::string body = Form({{"Action", "AssumeRole"},
                                 {"Version", "2011-06-15"},
                                 {"RoleArn", options_.role_arn},
                                 {"RoleSessionName", options_.session_name},
                                 {"ExternalId", options_.external_id},
                                 {"DurationSeconds", std::to_string(options_.duration_seconds)}});
  return CallSts(*http_, options_, body, &*base, "AssumeRole of '" + options_.role_arn + "'", stop);
}

WebIdentityProvider::WebIdentityProvider(std::string token_file, AssumeRoleOptions options,
                                         std::shared_ptr<net::HttpClient> http)
    : token_file_(std::move(token_file)), options_(std::move(options)), http_(std::move(http)) {
  if (token_file_.empty()) token_file_ = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
  if (options_.role_arn.empty()) options_.role_arn = Env("AWS_ROLE_ARN");
  if (const std::string name = Env("AWS_ROLE_SESSION_NAME"); !name.empty()) {
    options_.session_name = name;
  }
  ResolveEndpoint(options_);
}

std::string WebIdentityProvider::Describe() const {
  if (token_file_.empty()) return "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)";
  return "web identity token '" + token_file_ + "' for role '" + options_.role_arn + "'";
}

Result<Credentials> WebIdentityProvider::Fetch(std::stop_token stop) {
  if (token_file_.empty()) return Status::NotFound("AWS_WEB_IDENTITY_TOKEN_FILE is not set");
  if (options_.role_arn.empty()) {
    return Status::InvalidArgument("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
                                   "set AWS_ROLE_ARN to the role to assume");
  }
  std::ifstream in(token_file_);
  if (!in) {
    return Status::InvalidArgument("cannot read the web identity token '" + token_file_ + "'",
                                   "AWS_WEB_IDENTITY_TOKEN_FILE names a readable file");
  }
  std::ostringstream token;
  token << in.rdbuf();
  std::string text = token.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::string body = Form({{"Action", "AssumeRoleWithWebIdentity"},
                                 {"Version", "2011-06-15"},
                                 {"RoleArn", options_.role_arn},
                                 {"RoleSessionName", options_.session_name},
                                 {"WebIdentityToken", text},
                                 {"DurationSeconds", std::to_string(options_.duration_seconds)}});
  return CallSts(*http_, options_, body, nullptr,
                 "AssumeRoleWithWebIdentity of '" + options_.role_arn + "'", stop);
}

}  // namespace ferry::auth
