#include "images/registry_client.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <future>

#include "images/json_field.h"
#include "core/base64.h"
#include "core/log.h"
#include "images/digest.h"
#include "net/url.h"

namespace ferry::images {
namespace {

using Clock = std::chrono::steady_clock;

bool IsRetryableStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// Retry-After in seconds (the HTTP-date form is rare on registries: ignored).
std::chrono::milliseconds RetryAfter(const net::HttpResponse& r) {
  auto value = r.Header("retry-after");
  int seconds = 0;
  if (value) std::from_chars(value->data(), value->data() + value->size(), seconds);
  return std::chrono::milliseconds(std::clamp(seconds, 0, 300) * 1000);
}

Result<net::HttpResponse> SendAt(net::HttpClient& http, net::HttpRequest request,
                                 Clock::time_point not_before, std::stop_token stop) {
  std::promise<Result<net::HttpResponse>> done;
  auto result = done.get_future();
  http.Start(std::move(request),
             [&done](Result<net::HttpResponse> r) { done.set_value(std::move(r)); }, stop,
             not_before);
  return result.get();
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
  return out;
}

bool IsDigest(const std::string& reference) { return reference.starts_with("sha256:"); }

}  // namespace

std::string NextPageTarget(std::string_view link) {
  const size_t open = link.find('<');
  const size_t close = link.find('>', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return {};
  if (link.find("next", close) == std::string_view::npos) return {};
  return std::string(link.substr(open + 1, close - open - 1));
}

RegistryClient::RegistryClient(RegistryOptions options, std::shared_ptr<net::HttpClient> http,
                               std::shared_ptr<LoginSource> login)
    : options_(std::move(options)), http_(std::move(http)), login_(std::move(login)) {
  origin_ = (options_.plain_http ? "http://" : "https://") + options_.host;
}

std::string RegistryClient::Url(const std::string& target) const {
  if (target.starts_with("http://") || target.starts_with("https://")) return target;
  return origin_ + target;
}

std::string RegistryClient::RepoScope(const std::string& repo) const {
  return "repository:" + repo + (options_.push ? ":pull,push" : ":pull");
}

Result<net::HttpResponse> RegistryClient::SendRetrying(
    const std::function<net::HttpRequest()>& make, std::stop_token stop) {
  Clock::time_point not_before{};
  for (int attempt = 1;; ++attempt) {
    net::HttpRequest request = make();
    // Queries are left out: upload locations carry session state there.
    const std::string what = request.method + " " + request.url.substr(0, request.url.find('?'));
    auto r = SendAt(*http_, std::move(request), not_before, stop);
    spdlog::debug("{} -> {}", what, r.ok() ? std::to_string(r->status) : r.error().ToString());
    const bool last = attempt >= options_.backoff.max_attempts;
    std::chrono::milliseconds delay = FullJitterDelay(options_.backoff, attempt);
    if (!r.ok()) {
      if (last || !r.error().IsRetryable()) {
        Status st = std::move(r).take_error().WithSide(options_.side);
        if (!st.IsRetryable()) return st;  // TLS trust, cancellation: their own hints
        const std::string flag = options_.side == Side::kSource ? "--insecure-src" : "--insecure-dst";
        return std::move(st).WithHint(
            "the registry address " + options_.host + ", that it is running, and " +
            (options_.plain_http ? "that it serves plain HTTP (drop " + flag + " for HTTPS)"
                                 : "that it serves HTTPS (" + flag + " for plain HTTP)"));
      }
    } else if (!IsRetryableStatus(r->status) || last) {
      return r;
    } else {
      delay = std::max(delay, RetryAfter(*r));
    }
    ++counts_.retries;
    not_before = Clock::now() + delay;
  }
}

Result<net::HttpResponse> RegistryClient::Do(const Call& call, std::stop_token stop) {
  for (int round = 0;; ++round) {
    auto authz = Authorization(call.scopes, stop);
    if (!authz.ok()) return std::move(authz).take_error();
    auto r = SendRetrying(
        [&] {
          net::HttpRequest req;
          req.method = call.method;
          req.url = Url(call.target);
          req.headers = call.headers;
          req.body = call.body;
          if (!authz->empty()) net::SetHeader(req.headers, "Authorization", *authz);
          if (call.sink != nullptr) {
            call.sink->clear();
            req.body_sink = [sink = call.sink](std::string_view chunk) {
              sink->append(chunk);
              return true;
            };
          }
          return req;
        },
        stop);
    if (!r.ok() || r->status != 401 || round == 2) return r;
    FERRY_RETURN_IF_ERROR(OnUnauthorized(*r, call.scopes, !authz->empty(), stop));
  }
}

Result<std::string> RegistryClient::Authorization(const std::vector<std::string>& scopes,
                                                  std::stop_token stop) {
  const std::string key = JoinScopes(scopes);
  std::optional<Challenge> bearer;
  {
    MutexLock lock(mu_);
    if (!basic_.empty()) return basic_;
    if (auto it = tokens_.find(key); it != tokens_.end()) return it->second;
    bearer = bearer_;
  }
  // The token service is known from an earlier challenge: ask it first
  // instead of spending a 401 round trip per new scope.
  if (bearer) return FetchToken(*bearer, scopes, stop);
  return std::string();
}

Status RegistryClient::LoginMissing(const std::string& what) const {
  return Status::Unauthenticated(
             "registry " + options_.host + " requires a login for " + what + " and none was found",
             "run `docker login " + options_.host + "` or add auths.\"" + options_.host +
                 "\".auth (base64 of user:password) to $DOCKER_CONFIG/config.json "
                 "(default ~/.docker/config.json)")
      .WithSide(options_.side);
}

Status RegistryClient::OnUnauthorized(const net::HttpResponse& response,
                                      const std::vector<std::string>& scopes,
                                      bool sent_credentials, std::stop_token stop) {
  const auto header = response.Header("www-authenticate");
  const auto challenge = header ? ParseChallenge(*header) : std::nullopt;
  if (!challenge) {
    return ResponseError(response, "authentication (no WWW-Authenticate challenge)");
  }
  const std::string key = JoinScopes(scopes);
  if (challenge->scheme == "basic") {
    if (sent_credentials && !login_->Invalidate()) return ResponseError(response, "login");
    auto login = login_->Get(stop);
    if (!login.ok()) return std::move(login).take_error().WithSide(options_.side);
    if (!*login) return LoginMissing("/v2/");
    MutexLock lock(mu_);
    basic_ = "Basic " + Base64Encode((*login)->username + ":" + (*login)->password);
    return Status::OK();
  }
  if (challenge->scheme != "bearer" || challenge->Param("realm").empty()) {
    return Status::NotSupported("authentication scheme '" + challenge->scheme + "' of registry " +
                                options_.host)
        .WithSide(options_.side);
  }
  {
    // A refused token has expired or lacks the scope: ask for a fresh one.
    MutexLock lock(mu_);
    bearer_ = *challenge;
    tokens_.erase(key);
  }
  auto token = FetchToken(*challenge, scopes, stop);
  return token.ok() ? Status::OK() : std::move(token).take_error();
}

Result<std::string> RegistryClient::FetchToken(const Challenge& challenge,
                                               const std::vector<std::string>& scopes,
                                               std::stop_token stop) {
  const std::string realm = challenge.Param("realm");
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  url += "service=" + net::UriEncode(challenge.Param("service"), false);
  for (const auto& scope : scopes) url += "&scope=" + net::UriEncode(scope, false);
  auto login = login_->Get(stop);
  if (!login.ok()) return std::move(login).take_error().WithSide(options_.side);
  const std::optional<Login> user = *login;
  auto r = SendRetrying(
      [&] {
        net::HttpRequest req;
        req.url = url;
        if (user) {
          req.headers.emplace_back("Authorization",
                                   "Basic " + Base64Encode(user->username + ":" + user->password));
        }
        return req;
      },
      stop);
  const std::string what = JoinScopes(scopes).empty() ? "access" : JoinScopes(scopes);
  if (!r.ok()) return std::move(r).take_error().Context("token service " + realm);
  if (r->status == 401 || r->status == 403) {
    if (!user) return LoginMissing(what);
    return Status::Unauthenticated("token service " + realm + " of registry " + options_.host +
                                       " refused " + login_->Describe() + " for " + what,
                                   "the password (or access token) of that user, and that it "
                                   "may pull" + std::string(options_.push ? " and push" : ""))
        .WithSide(options_.side);
  }
  if (r->status != 200) return ResponseError(*r, "token for " + what + " from " + realm);
  auto doc = nlohmann::json::parse(r->body, nullptr, false);
  std::string token;
  token = StringField(doc, "token");
  if (token.empty()) token = StringField(doc, "access_token");
  if (token.empty()) {
    return Status::Unavailable("token service " + realm + " answered without a token")
        .WithSide(options_.side);
  }
  const std::string header = "Bearer " + token;
  MutexLock lock(mu_);
  tokens_[JoinScopes(scopes)] = header;
  return header;
}

void RegistryClient::WarnWhenPullsRunLow(const net::HttpResponse& r) {
  // Docker Hub: "RateLimit-Remaining: 76;w=21600" on manifest GETs.
  const auto remaining = r.Header("ratelimit-remaining");
  int left = 0;
  if (!remaining ||
      std::from_chars(remaining->data(), remaining->data() + remaining->size(), left).ec !=
          std::errc() ||
      left > 10 || pull_limit_warned_.exchange(true)) {
    return;
  }
  spdlog::warn("registry {} allows {} more manifest pulls in its rate-limit window ({}); a login "
              "raises the limit",
              options_.host, left, *remaining);
}

Status RegistryClient::ResponseError(const net::HttpResponse& r, const std::string& what) const {
  std::string code, message;
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() &&
      !doc["errors"].empty()) {
    code = StringField(doc["errors"][0], "code");
    message = StringField(doc["errors"][0], "message");
  }
  const std::string at = what + " at registry " + options_.host;
  const std::string detail = message.empty() ? "" : ": " + message;
  Status st;
  switch (r.status) {
    case 401:
      st = Status::Unauthenticated(
          at + " refused " + login_->Describe() + detail,
          "the login for " + options_.host + " in $DOCKER_CONFIG/config.json "
          "(default ~/.docker/config.json), or the AWS credentials for ECR");
      break;
    case 403:
      st = Status::PermissionDenied(at + " denied to " + login_->Describe() + detail,
                                    std::string("that this login may ") +
                                        (options_.push ? "push to" : "pull from") +
                                        " the repository");
      break;
    case 404:
      st = Status::NotFound(at + ": " + (code.empty() ? "not found" : code) + detail,
                            code == "NAME_UNKNOWN"
                                ? "the repository name (it does not exist on this registry)"
                                : "the repository and tag names");
      break;
    case 429:
      st = Status(Code::kResourceExhausted, at + ": too many requests" + detail,
                  "the registry's rate limit (Docker Hub limits anonymous pulls: log in)");
      break;
    default:
      if (r.status >= 500) {
        st = Status::Unavailable(at + ": HTTP " + std::to_string(r.status) + detail,
                                 "the registry's health");
      } else {
        st = Status(Code::kFailedPrecondition,
                    at + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                        detail,
                    code == "MANIFEST_INVALID" || code == "MANIFEST_UNKNOWN"
                        ? "that the destination registry supports this manifest type"
                        : "the registry's documentation of this error");
      }
  }
  return std::move(st).WithSide(options_.side).WithServiceCode(code, static_cast<int>(r.status));
}

Status RegistryClient::Ping(std::stop_token stop) {
  auto r = Do({.target = "/v2/"}, stop);
  if (!r.ok()) return std::move(r).take_error();
  if (r->status == 200) return Status::OK();
  if (r->status == 404) {
    return Status::NotFound(options_.host + " is not a container registry (no /v2/ API)",
                            "the registry address")
        .WithSide(options_.side);
  }
  return ResponseError(*r, "GET /v2/");
}

Result<std::vector<std::string>> RegistryClient::ListPaged(const std::string& first_target,
                                                           const std::string& field,
                                                           const std::vector<std::string>& scopes,
                                                           const std::string& what,
                                                           std::stop_token stop) {
  std::vector<std::string> out;
  std::string target = first_target;
  while (!target.empty()) {
    auto r = Do({.target = target, .scopes = scopes}, stop);
    if (!r.ok()) return std::move(r).take_error();
    if (r->status != 200) return ResponseError(*r, what);
    auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (!doc.is_object()) return Status::Unavailable(what + ": malformed answer");
    if (doc.contains(field) && doc[field].is_array()) {
      for (const auto& v : doc[field]) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
    const auto link = r->Header("link");
    target = link ? NextPageTarget(*link) : "";
  }
  return out;
}

Result<std::vector<std::string>> RegistryClient::ListTags(const std::string& repo,
                                                          std::stop_token stop) {
  return ListPaged("/v2/" + repo + "/tags/list?n=1000", "tags", {RepoScope(repo)},
                   "listing tags of " + repo, stop);
}

Result<std::vector<std::string>> RegistryClient::ListRepositories(std::stop_token stop) {
  return ListPaged("/v2/_catalog?n=1000", "repositories", {"registry:catalog:*"},
                   "listing repositories (catalog)", stop);
}

Result<ManifestHead> RegistryClient::HeadManifest(const std::string& repo,
                                                  const std::string& reference,
                                                  std::stop_token stop) {
  ++counts_.manifest_heads;
  auto r = Do({.method = "HEAD",
               .target = "/v2/" + repo + "/manifests/" + reference,
               .headers = {{"Accept", ManifestAccept()}},
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  if (r->status == 404) {
    // A HEAD carries no error document: the tag or the whole repository is missing.
    return Status::NotFound((IsDigest(reference) ? "manifest " + reference : "tag '" + reference + "'") +
                                " not found in repository " + repo + " at registry " + options_.host,
                            "the repository and tag names (HOST/REPO without a tag copies every tag)")
        .WithSide(options_.side);
  }
  if (r->status != 200) return ResponseError(*r, "manifest " + repo + ":" + reference);
  ManifestHead head;
  head.media_type = std::string(r->Header("content-type").value_or(""));
  head.digest = std::string(r->Header("docker-content-digest").value_or(""));
  if (head.digest.empty()) {
    // Registries need not send the digest on HEAD: only the body can tell.
    auto m = GetManifest(repo, reference, stop);
    if (!m.ok()) return std::move(m).take_error();
    head.digest = m->digest;
    head.media_type = m->media_type;
  }
  return head;
}

Result<FetchedManifest> RegistryClient::GetManifest(const std::string& repo,
                                                    const std::string& reference,
                                                    std::stop_token stop) {
  ++counts_.manifest_gets;
  const std::string what = "manifest " + repo + (IsDigest(reference) ? "@" : ":") + reference;
  auto r = Do({.target = "/v2/" + repo + "/manifests/" + reference,
               .headers = {{"Accept", ManifestAccept()}},
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  if (r->status != 200) return ResponseError(*r, what);
  WarnWhenPullsRunLow(*r);
  FetchedManifest m;
  m.bytes = std::move(r->body);
  m.media_type = std::string(r->Header("content-type").value_or(""));
  m.digest = DigestOf(m.bytes);
  if (IsDigest(reference) && m.digest != reference) {
    return Status::DataLoss(what + " at registry " + options_.host + " has digest " + m.digest,
                            "the registry's storage: it served other bytes than requested")
        .WithSide(options_.side);
  }
  return m;
}

Status RegistryClient::PutManifest(const std::string& repo, const std::string& reference,
                                   const FetchedManifest& manifest, std::stop_token stop) {
  ++counts_.manifest_puts;
  auto r = Do({.method = "PUT",
               .target = "/v2/" + repo + "/manifests/" + reference,
               .headers = {{"Content-Type", manifest.media_type}},
               .body = manifest.bytes,
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  const std::string what = "pushing manifest " + repo + (IsDigest(reference) ? "@" : ":") + reference;
  if (r->status != 201 && r->status != 200) return ResponseError(*r, what);
  const auto digest = r->Header("docker-content-digest");
  if (digest && *digest != manifest.digest) {
    return Status::DataLoss(what + " at registry " + options_.host + ": stored as " +
                                std::string(*digest) + ", not " + manifest.digest,
                            "the registry rewrites manifests: it cannot keep digests")
        .WithSide(options_.side);
  }
  return Status::OK();
}

Result<std::vector<Descriptor>> RegistryClient::Referrers(const std::string& repo,
                                                          const std::string& digest,
                                                          std::stop_token stop) {
  if (no_referrers_api_) return std::vector<Descriptor>();
  auto r = Do({.target = "/v2/" + repo + "/referrers/" + digest,
               .headers = {{"Accept", kOciIndex}},
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  // A registry with the API answers 200 and an empty index when nothing refers.
  if (r->status == 404) no_referrers_api_ = true;
  if (r->status != 200) return std::vector<Descriptor>();
  auto index = ParseManifest(r->body, kOciIndex);
  if (!index.ok()) return std::vector<Descriptor>();
  return index->children;
}

Result<bool> RegistryClient::BlobExists(const std::string& repo, const std::string& digest,
                                        std::stop_token stop) {
  ++counts_.blob_heads;
  auto r = Do({.method = "HEAD", .target = "/v2/" + repo + "/blobs/" + digest,
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  if (r->status == 200) return true;
  if (r->status == 404) return false;
  return ResponseError(*r, "blob " + digest + " in " + repo);
}

Status RegistryClient::ReadBlob(const std::string& repo, const std::string& digest,
                                uint64_t offset, uint64_t length, std::string& out,
                                std::stop_token stop) {
  ++counts_.blob_gets;
  const std::string what = "reading blob " + digest + " of " + repo;
  Call call{.target = "/v2/" + repo + "/blobs/" + digest, .scopes = {RepoScope(repo)}, .sink = &out};
  if (length > 0) {
    call.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-" +
                                           std::to_string(offset + length - 1));
  }
  out.reserve(length);
  auto r = Do(call, stop);
  // Registries may redirect blob reads to storage (S3, a CDN) that must not
  // see the registry's credentials.
  for (int hop = 0; r.ok() && r->status >= 301 && r->status <= 308 && hop < 5; ++hop) {
    const auto location = r->Header("location");
    if (!location) break;
    const std::string url = Url(std::string(*location));
    r = SendRetrying(
        [&] {
          net::HttpRequest req;
          req.url = url;
          req.headers = call.headers;
          out.clear();
          req.body_sink = [&out](std::string_view chunk) {
            out.append(chunk);
            return true;
          };
          return req;
        },
        stop);
  }
  if (!r.ok()) return std::move(r).take_error().Context(what);
  if (r->status != 200 && r->status != 206) return ResponseError(*r, what);
  return Status::OK();
}

Result<UploadStart> RegistryClient::StartUpload(const std::string& repo, const std::string& digest,
                                                const std::string& mount_from,
                                                std::stop_token stop) {
  ++counts_.upload_starts;
  Call call{.method = "POST", .target = "/v2/" + repo + "/blobs/uploads/",
            .scopes = {RepoScope(repo)}};
  if (!mount_from.empty()) {
    call.target += "?mount=" + digest + "&from=" + net::UriEncode(mount_from, true);
    call.scopes.push_back("repository:" + mount_from + ":pull");
  }
  auto r = Do(call, stop);
  if (!r.ok()) return std::move(r).take_error();
  if (r->status == 201 && !mount_from.empty()) return UploadStart{.mounted = true};
  const auto location = r->Header("location");
  if (r->status != 202 || !location) {
    return ResponseError(*r, "starting an upload of " + digest + " to " + repo);
  }
  return UploadStart{.location = Url(std::string(*location))};
}

Result<std::string> RegistryClient::AppendUpload(const std::string& repo,
                                                 const std::string& location,
                                                 std::string_view chunk, uint64_t offset,
                                                 std::stop_token stop) {
  ++counts_.upload_chunks;
  auto r = Do({.method = "PATCH",
               .target = location,
               .headers = {{"Content-Type", "application/octet-stream"},
                           {"Content-Range", std::to_string(offset) + "-" +
                                                 std::to_string(offset + chunk.size() - 1)}},
               .body = chunk,
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  const auto next = r->Header("location");
  if (r->status != 202 || !next) {
    return ResponseError(*r, "uploading bytes at " + std::to_string(offset) + " to " + repo);
  }
  return Url(std::string(*next));
}

Status RegistryClient::FinishUpload(const std::string& repo, const std::string& location,
                                    const std::string& digest, std::string_view last,
                                    std::stop_token stop) {
  const std::string target =
      location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest;
  auto r = Do({.method = "PUT",
               .target = target,
               .headers = {{"Content-Type", "application/octet-stream"}},
               .body = last,
               .scopes = {RepoScope(repo)}},
              stop);
  if (!r.ok()) return std::move(r).take_error();
  if (r->status != 201 && r->status != 204) {
    return ResponseError(*r, "finishing the upload of " + digest + " to " + repo);
  }
  return Status::OK();
}

void RegistryClient::CancelUpload(const std::string& repo, const std::string& location) {
  (void)Do({.method = "DELETE", .target = location, .scopes = {RepoScope(repo)}}, {});
}

}  // namespace ferry::images
