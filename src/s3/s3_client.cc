#include "s3/s3_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "auth/sigv4.h"
#include "s3/errors.h"

namespace ferry::s3 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxRedirects = 2;

// Services that require virtual-hosted addressing (or are AWS): everything else
// defaults to path-style, which every self-hosted S3 (MinIO, Ceph, SeaweedFS) accepts.
constexpr std::string_view kVirtualHostedSuffixes[] = {
    ".amazonaws.com", ".amazonaws.com.cn", ".aliyuncs.com", ".myqcloud.com",
    ".myhuaweicloud.com", ".bcebos.com", ".qiniucs.com",
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Bucket names that can be a DNS label under TLS wildcard certificates.
bool IsVirtualHostable(std::string_view bucket, bool https) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    (c == '.' && !https);
    if (!ok) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

std::string AwsHostForRegion(const std::string& region) {
  const bool china = region.rfind("cn-", 0) == 0;
  return "s3." + region + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

// SHA-256 of the empty string: the payload hash of every bodiless request.
constexpr char kEmptyPayloadHash[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace

// The state of one logical call across its attempts.
struct S3Client::Call {
  S3Request request;
  Callback done;
  std::stop_token stop;
  auth::Credentials credentials;
  std::string payload_hash;
  int attempt = 0;
  int redirects = 0;
  bool sink_touched = false;
  bool reread_credentials = false;  // once per call, after a rejection
};

Result<std::unique_ptr<S3Client>> S3Client::Create(
    S3Config config, std::shared_ptr<auth::CredentialProvider> creds,
    std::shared_ptr<net::HttpClient> http) {
  if (config.region.empty()) config.region = "us-east-1";
  const bool is_aws = config.endpoint.empty();
  auto url = net::ParseUrl(is_aws ? "https://" + AwsHostForRegion(config.region) : config.endpoint);
  if (!url.ok()) return std::move(url).take_error().WithSide(config.side);
  if (!url->query.empty()) {
    return Status::InvalidArgument("endpoint URL '" + config.endpoint + "' must not have a query",
                                   "the endpoint must look like https://host[:port]")
        .WithSide(config.side);
  }
  if (url->path == "/") url->path.clear();
  while (!url->path.empty() && url->path.back() == '/') url->path.pop_back();
  return std::unique_ptr<S3Client>(
      new S3Client(std::move(config), std::move(*url), std::move(creds), std::move(http)));
}

S3Client::S3Client(S3Config config, net::Url endpoint,
                   std::shared_ptr<auth::CredentialProvider> creds,
                   std::shared_ptr<net::HttpClient> http)
    : config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      endpoint_is_aws_(config_.endpoint.empty()),
      creds_(std::move(creds)),
      http_(std::move(http)) {}

std::string S3Client::DescribeEndpoint() const {
  if (endpoint_is_aws_) return "Amazon S3 (" + config_.region + ")";
  return config_.endpoint;
}

std::string S3Client::RegionFor(const std::string& bucket) {
  MutexLock lock(region_mu_);
  auto it = bucket_region_.find(bucket);
  return it != bucket_region_.end() ? it->second : config_.region;
}

void S3Client::RememberRegion(const std::string& bucket, const std::string& region) {
  MutexLock lock(region_mu_);
  bucket_region_[bucket] = region;
}

Result<net::HttpRequest> S3Client::BuildHttpRequest(Call& call) {
  const S3Request& r = call.request;
  const std::string region = RegionFor(r.bucket);
  std::string host = endpoint_is_aws_ ? AwsHostForRegion(region) : endpoint_.host;
  net::Url url = endpoint_;
  url.host = host;
  const bool https = url.scheme == "https";

  bool path_style = config_.addressing == Addressing::kPath;
  if (config_.addressing == Addressing::kAuto) {
    const bool provider_wants_virtual =
        std::any_of(std::begin(kVirtualHostedSuffixes), std::end(kVirtualHostedSuffixes),
                    [&](std::string_view s) { return EndsWith(host, s); });
    path_style = !provider_wants_virtual || net::IsIpOrLocalhost(host);
  }
  if (!r.bucket.empty() && !IsVirtualHostable(r.bucket, https)) path_style = true;

  std::string path = endpoint_.path;
  if (!r.bucket.empty()) {
    if (path_style) {
      path += "/" + r.bucket;
    } else {
      url.host = r.bucket + "." + host;
    }
  }
  // S3 keys are encoded byte for byte with '/' kept; never normalised.
  path += "/" + net::UriEncode(r.key, /*keep_slash=*/true);
  url.path = path;

  url.query.clear();
  for (const auto& [name, value] : r.query) {
    if (!url.query.empty()) url.query += '&';
    url.query += net::UriEncode(name, false) + "=" + net::UriEncode(value, false);
  }

  net::HttpRequest http;
  http.method = r.method;
  http.url = url.ToString();
  http.headers = r.headers;
  http.body = r.body;
  http.fresh_connection = !r.repeatable;
  http.body_into = r.body_into;
  http.body_from = r.body_from;
  http.body_from_length = r.body_from_length;
  if (config_.request_payer) net::SetHeader(http.headers, "x-amz-request-payer", "requester");
  if (r.body_sink) {
    // Wraps the sink to know whether a retry must tell the consumer to start over.
    bool* touched = &call.sink_touched;
    http.body_sink = [sink = r.body_sink, touched](std::string_view chunk) {
      *touched = true;
      return sink(chunk);
    };
  }
  if (!call.credentials.empty()) {
    auth::SigningParams params;
    params.region = region;
    params.service = "s3";
    params.now = std::chrono::system_clock::now();
    params.payload_hash = call.payload_hash;
    FERRY_RETURN_IF_ERROR(auth::SignRequest(http, call.credentials, params));
  }
  return http;
}

void S3Client::ExecuteAsync(S3Request request, Callback done, std::stop_token stop) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  if (!call->request.owned_body.empty()) call->request.body = call->request.owned_body;
  call->done = std::move(done);
  call->stop = std::move(stop);
  // Over TLS the transport protects the body and Content-MD5 / x-amz-checksum
  // prove it; hashing every byte again for the signature would only cost CPU.
  // Without TLS a Content-MD5 does the same: every header is signed, so the
  // signature binds the body through its MD5, which the server checks. The
  // SHA-256 of the body was 41% of ferry's instructions per 16 KiB object.
  // A streamed body cannot be hashed before it is sent: its Content-MD5 binds it.
  if (call->request.body.empty() && !call->request.body_from) {
    call->payload_hash = kEmptyPayloadHash;
  } else if (endpoint_.scheme == "https" || call->request.body_from ||
             net::FindHeader(call->request.headers, "Content-MD5").has_value()) {
    call->payload_hash = "UNSIGNED-PAYLOAD";
  } else {
    call->payload_hash = auth::Sha256Hex(call->request.body);
  }
  StartWithCredentials(std::move(call));
}

void S3Client::StartWithCredentials(std::shared_ptr<Call> call) {
  if (auto cached = creds_->Cached()) {
    call->credentials = std::move(*cached);
    Attempt(std::move(call), {});
    return;
  }
  // Reading credentials may block (a file, STS, a metadata service), and this may
  // be the HTTP loop's own thread: read them on the client's blocking thread.
  OffLoop([this, call] {
    auto creds = creds_->Get(call->stop);
    if (!creds.ok()) {
      call->done(std::move(creds).take_error().WithSide(config_.side));
      return;
    }
    call->credentials = std::move(*creds);
    Attempt(call, {});
  });
}

void S3Client::OffLoop(std::function<void()> work) {
  ThreadPool* pool;
  {
    MutexLock lock(blocking_mu_);
    if (!blocking_) blocking_ = std::make_unique<ThreadPool>(1);
    pool = blocking_.get();
  }
  pool->Submit(std::move(work));
}

std::map<std::string, uint64_t> S3Client::RequestCounts() const {
  MutexLock lock(counts_mu_);
  return request_counts_;
}

void S3Client::Attempt(std::shared_ptr<Call> call, Clock::time_point not_before) {
  ++call->attempt;
  {
    MutexLock lock(counts_mu_);
    ++request_counts_[call->request.op];
  }
  auto http = BuildHttpRequest(*call);
  if (!http.ok()) {
    call->done(std::move(http).take_error().WithSide(config_.side));
    return;
  }
  std::stop_token stop = call->stop;
  http_->Start(
      std::move(*http),
      [this, call](Result<net::HttpResponse> r) { OnResponse(call, std::move(r)); },
      std::move(stop), not_before);
}

void S3Client::OnResponse(std::shared_ptr<Call> call, Result<net::HttpResponse> result) {
  const S3Request& r = call->request;
  const bool streamed = r.body_into || r.body_from;  // sent once: see S3Request
  Status error;
  if (!result.ok()) {
    error = std::move(result).take_error().WithSide(config_.side);
    if (!r.repeatable || streamed) {
      call->done(std::move(error));  // it may have reached the server: see S3Request
      return;
    }
  } else {
    net::HttpResponse& response = *result;
    // CompleteMultipartUpload and CopyObject can answer 200 with an error inside.
    const bool error_in_ok = response.status == 200 && !r.body_sink && r.method != "GET" &&
                             response.body.find("<Error>") != std::string::npos &&
                             !ParseErrorDocument(response.body).code.empty();
    if (response.status >= 200 && response.status < 300 && !error_in_ok) {
      call->done(std::move(response));
      return;
    }
    ErrorContext context{r.op, r.action, r.bucket, r.key, DescribeEndpoint(), config_.side};
    error = ErrorFromResponse(response, context);

    // Region redirects: the service names the bucket's region; sign for it and go again.
    std::string region(response.Header("x-amz-bucket-region").value_or(""));
    if (region.empty()) region = ParseErrorDocument(response.body).region;
    const bool redirect = response.status == 301 || response.status == 307 ||
                          error.service_code() == "AuthorizationHeaderMalformed" ||
                          error.service_code() == "PermanentRedirect" ||
                          error.service_code() == "IllegalLocationConstraintException";
    if (redirect && !region.empty() && region != RegionFor(r.bucket) &&
        call->redirects < kMaxRedirects && !r.bucket.empty()) {
      RememberRegion(r.bucket, region);
      if (streamed) {
        call->done(std::move(error));  // the caller's next try goes to the region
        return;
      }
      ++call->redirects;
      --call->attempt;
      spdlog::debug("bucket {} is in region {}: retrying there", r.bucket, region);
      Attempt(std::move(call), {});
      return;
    }
  }

  // A rejected key may have been rotated: sources that can re-read get one more try.
  if (error.code() == Code::kUnauthenticated && !call->reread_credentials &&
      !call->sink_touched && !streamed) {
    call->reread_credentials = true;
    OffLoop([this, call, error = std::move(error)]() mutable {
      if (!creds_->Invalidate()) {
        call->done(std::move(error));
        return;
      }
      spdlog::info("credentials from {} were rejected; re-reading them", creds_->Describe());
      call->attempt = 0;
      StartWithCredentials(std::move(call));
    });
    return;
  }
  if (error.code() == Code::kResourceExhausted && config_.throttle) ++config_.throttle->events;
  if (streamed) {
    call->done(std::move(error));
    return;
  }
  if (error.IsRetryable() && call->attempt < config_.retry.max_attempts &&
      !call->stop.stop_requested()) {
    if (call->sink_touched) {
      call->done(std::move(error));  // bytes already handed out cannot be taken back
      return;
    }
    const auto delay = FullJitterDelay(config_.retry, call->attempt);
    spdlog::debug("{} {}: attempt {} failed ({}), retrying in {} ms", r.op, r.key, call->attempt,
                  error.ToString(), delay.count());
    Attempt(std::move(call), Clock::now() + delay);
    return;
  }
  call->done(std::move(error));
}

Result<net::HttpResponse> S3Client::Execute(S3Request request, std::stop_token stop) {
  std::promise<Result<net::HttpResponse>> promise;
  auto future = promise.get_future();
  ExecuteAsync(
      std::move(request),
      [&promise](Result<net::HttpResponse> r) { promise.set_value(std::move(r)); }, stop);
  return future.get();
}

}  // namespace ferry::s3
