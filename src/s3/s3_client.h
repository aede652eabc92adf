// A client for the S3 API over net::HttpClient, for Amazon S3 and every
// S3-compatible service (SeaweedFS, MinIO, Ceph, OSS, COS, OBS, R2, ...).
//
// Every call signs with SigV4, retries transient failures (5xx, SlowDown,
// RequestTimeout, connection failures) with exponential backoff and full jitter,
// never retries authentication errors, follows region redirects, and maps S3
// error documents to Status values that say what failed, on which side, and
// what to check. Thread-safe: one client serves any number of callers.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "core/mutex.h"
#include "core/thread_pool.h"
#include "core/backoff.h"
#include "core/status.h"
#include "core/throttle_signal.h"
#include "net/http_client.h"
#include "net/url.h"
#include "s3/types.h"

namespace ferry::s3 {

enum class Addressing {
  kAuto,           // path-style for IP/localhost endpoints and non-DNS bucket names
  kPath,           // https://endpoint/bucket/key
  kVirtualHosted,  // https://bucket.endpoint/key
};

struct S3Config {
  std::string endpoint;           // "" = Amazon S3 in `region`
  std::string region;             // "" = us-east-1
  Addressing addressing = Addressing::kAuto;
  Side side = Side::kNone;        // named in every error of this client
  BackoffPolicy retry;            // per request; max_attempts counts the first try
  bool request_payer = false;     // sends x-amz-request-payer: requester
  // Counts throttling answers so the engine can lower its concurrency (may be null).
  std::shared_ptr<ThrottleSignal> throttle;
};

// One S3 request before addressing and signing. Keys and query values are raw.
struct S3Request {
  const char* op = "";        // API name for messages: "ListObjectsV2"
  const char* action = "";    // IAM action a denial points at: "s3:ListBucket"
  std::string method = "GET";
  std::string bucket;         // empty for service-level calls
  std::string key;
  std::vector<std::pair<std::string, std::string>> query;
  net::Headers headers;
  std::string_view body;      // REQUIRES: outlives the call, unless it views owned_body
  // A body the request carries itself (XML it built): `body` is set to view it
  // once the request has its place in the call, so nothing outlives it.
  std::string owned_body;
  // 2xx body streamed here instead of collected. Runs on the HTTP driver thread.
  // Once it has received bytes, a failed try is not retried here (the bytes cannot
  // be taken back): the caller retries the whole read.
  std::function<bool(std::string_view)> body_sink;
  // Streamed into or out of a pipe (net::HttpRequest::body_into, body_from): such
  // a request is sent once, never retried or redirected here (the bytes are gone);
  // the caller retries the whole copy.
  std::shared_ptr<BytePipe> body_into;
  std::shared_ptr<BytePipe> body_from;
  uint64_t body_from_length = 0;
  // False for a request that has an effect each time it reaches the server
  // (CreateMultipartUpload makes one more upload): a try that failed in transit
  // may still have reached it, so it is not retried here but returned, for the
  // caller to retry knowing an unanswered try may have left something behind.
  bool repeatable = true;
};

// Where an asynchronous call delivers its result (on the HTTP loop's thread).
template <typename T>
using Done = std::function<void(Result<T>)>;

class S3Client {
 public:
  using Callback = std::function<void(Result<net::HttpResponse>)>;

  // Errors: a malformed endpoint URL (InvalidArgument naming it).
  static Result<std::unique_ptr<S3Client>> Create(S3Config config,
                                                  std::shared_ptr<auth::CredentialProvider> creds,
                                                  std::shared_ptr<net::HttpClient> http);

  const S3Config& config() const { return config_; }
  // "http://127.0.0.1:8333" or "Amazon S3 (eu-west-1)": for messages.
  std::string DescribeEndpoint() const;
  // Requests sent so far by operation ("ListObjectsV2": 12, ...), retries included.
  std::map<std::string, uint64_t> RequestCounts() const;

  // The generic call: the response of a 2xx status, or the mapped error. Retries
  // what is worth it, and once with re-read credentials when the service rejects
  // them and their source can re-read (key rotation). `done` runs on the HTTP
  // loop's thread (or the client's blocking thread) and must not block.
  void ExecuteAsync(S3Request request, Callback done, std::stop_token stop = {});
  // Blocking; REQUIRES: not on the HTTP loop's thread.
  Result<net::HttpResponse> Execute(S3Request request, std::stop_token stop = {});

  // ---- Buckets (bucket_ops.cc)
  Status HeadBucket(const std::string& bucket, std::stop_token stop = {});
  Result<std::string> GetBucketLocation(const std::string& bucket, std::stop_token stop = {});

  // ---- Listing (list_objects.cc, list_versions.cc)
  Result<ListObjectsPage> ListObjectsV2(const ListObjectsRequest& request,
                                        std::stop_token stop = {});
  Result<ListVersionsPage> ListObjectVersions(const ListVersionsRequest& request,
                                              std::stop_token stop = {});

  // ---- Objects (object_ops.cc)
  // part_number > 0 asks for that part's size and the parts count (x-amz-mp-parts-count).
  Result<ObjectHead> HeadObject(const std::string& bucket, const std::string& key,
                                int part_number = 0, std::stop_token stop = {});
  // Reads bytes [offset, offset+length) (length 0 = to the end) into `sink`.
  Result<ObjectHead> GetObject(const std::string& bucket, const std::string& key,
                               uint64_t offset, uint64_t length,
                               std::function<bool(std::string_view)> sink,
                               std::stop_token stop = {});
  // Returns the ETag of the new object.
  Result<std::string> PutObject(const std::string& bucket, const std::string& key,
                                std::string_view body, const WriteOptions& options,
                                std::stop_token stop = {});
  // Server-side copy; replace_metadata = false keeps the source's metadata. Returns the ETag.
  Result<std::string> CopyObject(const std::string& src_bucket, const std::string& src_key,
                                 const std::string& bucket, const std::string& key,
                                 const WriteOptions& options, bool replace_metadata,
                                 std::stop_token stop = {});
  Result<DeleteResult> DeleteObjects(const std::string& bucket,
                                     const std::vector<std::string>& keys,
                                     std::stop_token stop = {});
  Result<std::vector<Tag>> GetObjectTagging(const std::string& bucket, const std::string& key,
                                            std::stop_token stop = {});
  Status PutObjectTagging(const std::string& bucket, const std::string& key,
                          const std::vector<Tag>& tags, std::stop_token stop = {});

  // ---- Multipart (multipart.cc)
  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const WriteOptions& options,
                                            std::stop_token stop = {});
  // Returns the part's ETag. options: content_md5 / checksum_crc32c only.
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number,
                                 std::string_view body, const WriteOptions& options,
                                 std::stop_token stop = {});
  // Copies bytes [first, last] of the source into a part. Returns the part's ETag.
  Result<std::string> UploadPartCopy(const std::string& src_bucket, const std::string& src_key,
                                     uint64_t first, uint64_t last, const std::string& bucket,
                                     const std::string& key, const std::string& upload_id,
                                     int part_number, std::stop_token stop = {});
  // Returns the final ETag. A 200 carrying an <Error> body is an error.
  Result<std::string> CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                              const std::string& upload_id,
                                              const std::vector<CompletedPart>& parts,
                                              std::stop_token stop = {});
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id, std::stop_token stop = {});
  Result<ListPartsPage> ListParts(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id, int part_number_marker = 0,
                                  std::stop_token stop = {});
  Result<ListUploadsPage> ListMultipartUploads(const std::string& bucket,
                                               const std::string& prefix,
                                               const std::string& key_marker = {},
                                               const std::string& upload_id_marker = {},
                                               std::stop_token stop = {});

 // ---- The same calls, completing through `done` instead of blocking: what the
  // engine's pipeline uses. Buffers passed in (bodies, parts) must outlive the call.
  void HeadObjectAsync(const std::string& bucket, const std::string& key, int part_number, Done<ObjectHead> done, std::stop_token stop = {});
  void GetObjectAsync(const std::string& bucket, const std::string& key, uint64_t offset, uint64_t length, std::function<bool(std::string_view)> sink, Done<ObjectHead> done, std::stop_token stop = {});
  void PutObjectAsync(const std::string& bucket, const std::string& key, std::string_view body, const WriteOptions& options, Done<std::string> done, std::stop_token stop = {});
  // A copy streamed from one GET into one PUT (see S3Request::body_into): the
  // object's bytes go into `pipe`, and `if_match` (its ETag) makes the service
  // refuse an object that changed since it was listed.
  void GetObjectIntoAsync(const std::string& bucket, const std::string& key, const std::string& if_match, std::shared_ptr<BytePipe> pipe, Done<ObjectHead> done, std::stop_token stop = {});
  // A PUT whose `length` bytes come from `pipe`. REQUIRES: options.content_md5,
  // by which the service checks the bytes (the payload is not hashed for SigV4).
  void PutObjectFromAsync(const std::string& bucket, const std::string& key, std::shared_ptr<BytePipe> pipe, uint64_t length, const WriteOptions& options, Done<std::string> done, std::stop_token stop = {});
  void CopyObjectAsync(const std::string& src_bucket, const std::string& src_key, const std::string& bucket, const std::string& key, const WriteOptions& options, bool replace_metadata, Done<std::string> done, std::stop_token stop = {});
  void GetObjectTaggingAsync(const std::string& bucket, const std::string& key, Done<std::vector<Tag>> done, std::stop_token stop = {});
  void CreateMultipartUploadAsync(const std::string& bucket, const std::string& key, const WriteOptions& options, Done<std::string> done, std::stop_token stop = {});
  void UploadPartAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number, std::string_view body, const WriteOptions& options, Done<std::string> done, std::stop_token stop = {});
  void UploadPartCopyAsync(const std::string& src_bucket, const std::string& src_key, uint64_t first, uint64_t last, const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number, Done<std::string> done, std::stop_token stop = {});
  void CompleteMultipartUploadAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, const std::vector<CompletedPart>& parts, Done<std::string> done, std::stop_token stop = {});
  void AbortMultipartUploadAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, Done<bool> done, std::stop_token stop = {});
  void ListPartsAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number_marker, Done<ListPartsPage> done, std::stop_token stop = {});

 private:
  struct Call;

  // Sends `request` and hands a 2xx response to `parse`, its result to `done`.
  template <typename T>
  void Send(S3Request request, std::function<Result<T>(net::HttpResponse*)> parse, Done<T> done,
            std::stop_token stop) {
    ExecuteAsync(
        std::move(request),
        [parse = std::move(parse), done = std::move(done)](Result<net::HttpResponse> response) {
          if (!response.ok()) return done(std::move(response).take_error());
          done(parse(&*response));
        },
        std::move(stop));
  }
  // Blocks until `start` delivers. REQUIRES: not on the HTTP loop's thread.
  template <typename T>
  static Result<T> WaitFor(const std::function<void(Done<T>)>& start) {
    std::promise<Result<T>> promise;
    auto future = promise.get_future();
    start([&promise](Result<T> r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  S3Client(S3Config config, net::Url endpoint, std::shared_ptr<auth::CredentialProvider> creds,
           std::shared_ptr<net::HttpClient> http);

  void StartWithCredentials(std::shared_ptr<Call> call);
  // Runs `work`, which may block, on the client's own thread (made on first use).
  void OffLoop(std::function<void()> work);
  void Attempt(std::shared_ptr<Call> call, std::chrono::steady_clock::time_point not_before);
  void OnResponse(std::shared_ptr<Call> call, Result<net::HttpResponse> result);
  Result<net::HttpRequest> BuildHttpRequest(Call& call);
  std::string RegionFor(const std::string& bucket);
  void RememberRegion(const std::string& bucket, const std::string& region);

  const S3Config config_;
  const net::Url endpoint_;
  const bool endpoint_is_aws_;
  const std::shared_ptr<auth::CredentialProvider> creds_;
  const std::shared_ptr<net::HttpClient> http_;

  Mutex region_mu_;
  std::map<std::string, std::string> bucket_region_ GUARDED_BY(region_mu_);
  mutable Mutex counts_mu_;
  std::map<std::string, uint64_t> request_counts_ GUARDED_BY(counts_mu_);
  Mutex blocking_mu_;
  // Made on first use; last, so joined first.
  std::unique_ptr<ThreadPool> blocking_ GUARDED_BY(blocking_mu_);
};

}  // namespace ferry::s3
