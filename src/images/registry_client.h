// A client of one registry's OCI distribution API (v2): manifests, blobs,
// uploads, tag and repository listings, referrers.
//
// Authentication is found, not configured: a request goes out anonymously
// (or with what worked before) and a 401 challenge decides between Basic and
// the bearer-token flow (realm, service, scope), with the login from a
// LoginSource. Tokens are cached per scope and fetched again when they expire.
// 429, 5xx and transport failures are retried with core/backoff, honouring
// Retry-After. Non-2xx answers come back as errors that name the registry, the
// repository and what to check; secrets never appear in them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/backoff.h"
#include "core/mutex.h"
#include "core/status.h"
#include "images/challenge.h"
#include "images/login.h"
#include "images/manifest.h"
#include "net/http_client.h"

namespace ferry::images {

struct RegistryOptions {
  std::string host;         // "host[:port]"
  bool plain_http = false;  // --insecure-src / --insecure-dst
  bool push = false;        // tokens ask for pull,push (a destination)
  Side side = Side::kNone;
  BackoffPolicy backoff;    // per request
};

struct ManifestHead {
  std::string digest;
  std::string media_type;
};

struct FetchedManifest {
  std::string bytes;  // exactly as served
  std::string media_type;
  std::string digest;  // sha256 of bytes
};

struct UploadStart {
  bool mounted = false;  // the blob was mounted from another repository: done
  std::string location;  // else the upload session to write to
};

// Requests sent, by kind, for the summary (resyncs must fetch and upload nothing).
struct RequestCounts {
  std::atomic<uint64_t> manifest_heads{0};
  std::atomic<uint64_t> manifest_gets{0};
  std::atomic<uint64_t> manifest_puts{0};
  std::atomic<uint64_t> blob_heads{0};
  std::atomic<uint64_t> blob_gets{0};
  std::atomic<uint64_t> upload_starts{0};  // POST /blobs/uploads/ (mounts included)
  std::atomic<uint64_t> upload_chunks{0};  // PATCH
  std::atomic<uint64_t> retries{0};        // 429, 5xx, transport failures
};

// The target of a `Link: </v2/...?last=x&n=100>; rel="next"` header, or "".
std::string NextPageTarget(std::string_view link_header);

class RegistryClient {
 public:
  RegistryClient(RegistryOptions options, std::shared_ptr<net::HttpClient> http,
                 std::shared_ptr<LoginSource> login);
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const std::string& host() const { return options_.host; }
  // scheme://host[:port]: two clients of one origin can mount blobs across repositories.
  const std::string& origin() const { return origin_; }
  const RequestCounts& counts() const { return counts_; }

  // GET /v2/: the registry answers and accepts the login. Errors are fatal for a run.
  Status Ping(std::stop_token stop);

  // Every tag of `repo`, following pagination. NotFound when the repository is missing.
  Result<std::vector<std::string>> ListTags(const std::string& repo, std::stop_token stop);
  // The registry's catalog (GET /v2/_catalog), following pagination.
  Result<std::vector<std::string>> ListRepositories(std::stop_token stop);

  // HEAD of a manifest by tag or digest: NotFound when absent. Costs no pull
  // on Docker Hub.
  Result<ManifestHead> HeadManifest(const std::string& repo, const std::string& reference,
                                    std::stop_token stop);
  // GET of a manifest; a digest reference is verified against the bytes (DataLoss).
  Result<FetchedManifest> GetManifest(const std::string& repo, const std::string& reference,
                                      std::stop_token stop);
  // PUT of `manifest`'s bytes as fetched, with its media type.
  Status PutManifest(const std::string& repo, const std::string& reference,
                     const FetchedManifest& manifest, std::stop_token stop);
  // Manifests whose subject is `digest` (OCI 1.1 referrers API); empty when the
  // registry has none or lacks the API (a 404, remembered: asked once per run).
  Result<std::vector<Descriptor>> Referrers(const std::string& repo, const std::string& digest,
                                            std::stop_token stop);

  Result<bool> BlobExists(const std::string& repo, const std::string& digest,
                          std::stop_token stop);
  // Bytes [offset, offset + length) of a blob into `out` (length 0 = all of it),
  // following redirects to blob storage. A registry that ignores the range
  // sends the whole blob: the caller checks out.size().
  Status ReadBlob(const std::string& repo, const std::string& digest, uint64_t offset,
                  uint64_t length, std::string& out, std::stop_token stop);
  // Opens an upload session in `repo`; with `mount_from`, first asks the
  // registry to mount `digest` from that repository of the same registry.
  Result<UploadStart> StartUpload(const std::string& repo, const std::string& digest,
                                  const std::string& mount_from, std::stop_token stop);
  // PATCH of the bytes at `offset`; returns the session's next location.
  Result<std::string> AppendUpload(const std::string& repo, const std::string& location,
                                   std::string_view chunk, uint64_t offset, std::stop_token stop);
  // PUT closing the session with `digest` (and the last bytes, if any).
  Status FinishUpload(const std::string& repo, const std::string& location,
                      const std::string& digest, std::string_view last, std::stop_token stop);
  // Best effort: the registry drops the session.
  void CancelUpload(const std::string& repo, const std::string& location);

  // An error for a non-2xx answer to `what` ("GET manifest app:1").
  Status ResponseError(const net::HttpResponse& response, const std::string& what) const;

 private:
  struct Call {
    std::string method = "GET";
    std::string target;  // path from /v2/..., or an absolute URL (upload locations)
    net::Headers headers;
    std::string_view body;
    std::vector<std::string> scopes;  // token scopes this request needs
    std::string* sink = nullptr;      // 2xx body appended here, cleared on each attempt
  };

  // Sends `call` with authentication: answers a 401 challenge (at most twice) and retries.
  Result<net::HttpResponse> Do(const Call& call, std::stop_token stop);
  // One request with retries on transport failures, 429 and 5xx.
  Result<net::HttpResponse> SendRetrying(const std::function<net::HttpRequest()>& make,
                                         std::stop_token stop);
  // The Authorization header for `scopes` ("" = none yet).
  Result<std::string> Authorization(const std::vector<std::string>& scopes, std::stop_token stop);
  // Reacts to a 401: learns the challenge, drops refused credentials, fetches a token.
  Status OnUnauthorized(const net::HttpResponse& response, const std::vector<std::string>& scopes,
                        bool sent_credentials, std::stop_token stop);
  Result<std::string> FetchToken(const Challenge& challenge, const std::vector<std::string>& scopes,
                                 std::stop_token stop);
  Result<std::vector<std::string>> ListPaged(const std::string& first_target,
                                             const std::string& field,
                                             const std::vector<std::string>& scopes,
                                             const std::string& what, std::stop_token stop);

  // Rate-limit headers (Docker Hub) tell how many pulls remain: warn once when few do.
  void WarnWhenPullsRunLow(const net::HttpResponse& response);
  std::string RepoScope(const std::string& repo) const;
  std::string Url(const std::string& target) const;
  Status LoginMissing(const std::string& what) const;

  RegistryOptions options_;
  std::string origin_;  // scheme://host[:port]
  std::shared_ptr<net::HttpClient> http_;
  std::shared_ptr<LoginSource> login_;
  mutable RequestCounts counts_;
  std::atomic<bool> no_referrers_api_{false};
  std::atomic<bool> pull_limit_warned_{false};

  Mutex mu_;  // guards the authentication state below
  std::optional<Challenge> bearer_ GUARDED_BY(mu_);  // the registry's token service, once known
  std::string basic_ GUARDED_BY(mu_);  // "Basic ..." once the registry asked for it
  std::map<std::string, std::string> tokens_ GUARDED_BY(mu_);  // scopes -> "Bearer ..."
};

}  // namespace ferry::images
