#include "net/http_client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/curl_handles.h"

namespace ferry::net {
namespace {

using Clock = std::chrono::steady_clock;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string DefaultCaBundle() {
  for (const char* var : {"AWS_CA_BUNDLE", "SSL_CERT_FILE"}) {
    if (const char* value = std::getenv(var); value != nullptr && *value != '\0') return value;
  }
  return {};
}

// The URL without its query: presigned URLs carry signatures there, and
// errors must never show them.
std::string Redacted(const std::string& url) { return url.substr(0, url.find('?')); }

std::string HostOf(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return url;
  const auto end = url.find_first_of("/?", start + 3);
  return url.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3);
}

// Maps a transport failure to a Status that says what failed and what to check.
Status TransportError(CURLcode code, const char* detail, const HttpRequest& req) {
  const std::string what = req.method + " " + Redacted(req.url);
  const std::string why = (detail != nullptr && *detail != '\0') ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Status::Unavailable("cannot resolve host '" + HostOf(req.url) + "' (" + what + ")",
                                 "the endpoint URL as configured, and DNS");
    case CURLE_COULDNT_CONNECT:
      return Status::Unavailable("cannot connect to '" + HostOf(req.url) + "': " + why + " (" +
                                     what + ")",
                                 "the endpoint host and port, and that the service is running");
    case CURLE_OPERATION_TIMEDOUT:
      return Status(Code::kDeadlineExceeded, "timed out: " + why + " (" + what + ")",
                    "network reachability of the endpoint");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Status(Code::kFailedPrecondition,
                    "TLS certificate of '" + HostOf(req.url) + "' not trusted: " + why,
                    "the endpoint URL, or point AWS_CA_BUNDLE at the CA that signed its certificate");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument("malformed URL '" + Redacted(req.url) + "': " + why,
                                     "the endpoint URL");
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
      return Status::Cancelled("transfer stopped by its consumer (" + what + ")");
    default:
      return Status::Unavailable("network error: " + why + " (" + what + ")",
                                 "network reachability of the endpoint");
  }
}

// One request in flight, owned by the driver thread.
struct Transfer {
  uint64_t id = 0;
  HttpRequest request;
  HttpClient::Callback done;
  Clock::time_point not_before;
  std::stop_token stop;
  // Wakes the driver when the caller asks to stop, so cancellation is prompt.
  std::optional<std::stop_callback<std::function<void()>>> on_stop;

  EasyHandle easy;
  HeaderList header_list;
  HttpResponse response;
  size_t read_offset = 0;
  char error[CURL_ERROR_SIZE] = {};
};

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t->request.body_sink) {
    long status = 0;
    curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    // Only a successful body goes to the sink; an error document is kept for the caller.
    if (status >= 200 && status < 300) {
      return t->request.body_sink(std::string_view(data, bytes)) ? bytes : 0;
    }
  }
  t->response.body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100-continue or a redirect) starts a fresh header set.
    t->response.headers.clear();
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->response.headers.emplace_back(std::move(name), std::string(value));
  return bytes;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view body = t->request.body;
  const size_t len = std::min(size * n, body.size() - t->read_offset);
  std::memcpy(buffer, body.data() + t->read_offset, len);
  t->read_offset += len;
  return len;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t->request.body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->read_offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace

class HttpClient::Driver {
 public:
  explicit Driver(HttpClientOptions options) : options_(std::move(options)) {
    GlobalInitOnce();
    if (options_.ca_bundle.empty()) options_.ca_bundle = DefaultCaBundle();
    multi_.reset(curl_multi_init());
    if (options_.max_connections_per_host > 0) {
      curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                        options_.max_connections_per_host);
    }
    if (options_.max_total_connections > 0) {
      curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                        options_.max_total_connections);
    }
    thread_ = std::thread([this] { Run(); });
  }

  ~Driver() {
    {
      std::lock_guard lock(synced_.mu);
      synced_.shutting_down = true;
    }
    curl_multi_wakeup(multi_.get());
    thread_.join();
  }

  void Submit(HttpRequest request, Callback done, std::stop_token stop,
              Clock::time_point not_before) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    t->stop = std::move(stop);
    t->not_before = not_before;
    {
      std::lock_guard lock(synced_.mu);
      if (synced_.shutting_down) {
        t->done(Status::Cancelled("HTTP client is shutting down"));
        return;
      }
      t->id = ++synced_.next_id;
      t->on_stop.emplace(t->stop, std::function<void()>([m = multi_.get()] {
        curl_multi_wakeup(m);
      }));
      synced_.submitted.push_back(std::move(t));
    }
    curl_multi_wakeup(multi_.get());
  }

 private:
  struct ByStartTime {
    bool operator()(const std::unique_ptr<Transfer>& a, const std::unique_ptr<Transfer>& b) const {
      return a->not_before > b->not_before;
    }
  };

  // Loop-only state: touched by the driver thread alone.
  struct ThreadedData {
    std::unordered_map<uint64_t, std::unique_ptr<Transfer>> active;
    std::vector<std::unique_ptr<Transfer>> delayed;  // heap ordered by ByStartTime
  };

  // State shared with callers, guarded by mu.
  struct SyncedData {
    std::mutex mu;
    std::vector<std::unique_ptr<Transfer>> submitted;
    uint64_t next_id = 0;
    bool shutting_down = false;
  };

  void Run() {
    for (;;) {
      std::vector<std::unique_ptr<Transfer>> incoming;
      bool shutting_down = false;
      {
        std::lock_guard lock(synced_.mu);
        incoming.swap(synced_.submitted);
        shutting_down = synced_.shutting_down;
      }
      for (auto& t : incoming) {
        threaded_.delayed.push_back(std::move(t));
        std::push_heap(threaded_.delayed.begin(), threaded_.delayed.end(), ByStartTime{});
      }
      if (shutting_down) break;

      StartDueTransfers();
      int running = 0;
      curl_multi_perform(multi_.get(), &running);
      CollectFinished();
      AbortStopped();

      int timeout_ms = 1000;
      if (!threaded_.delayed.empty()) {
        const auto wait = threaded_.delayed.front()->not_before - Clock::now();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(wait).count(), 0, 1000));
      }
      curl_multi_poll(multi_.get(), nullptr, 0, timeout_ms, nullptr);
    }
    for (auto& [id, t] : threaded_.active) {
      curl_multi_remove_handle(multi_.get(), t->easy.get());
      t->done(Status::Cancelled("HTTP client is shutting down"));
    }
    threaded_.active.clear();
    for (auto& t : threaded_.delayed) t->done(Status::Cancelled("HTTP client is shutting down"));
    threaded_.delayed.clear();
  }

  void StartDueTransfers() {
    const auto now = Clock::now();
    auto& heap = threaded_.delayed;
    while (!heap.empty() && heap.front()->not_before <= now) {
      std::pop_heap(heap.begin(), heap.end(), ByStartTime{});
      std::unique_ptr<Transfer> t = std::move(heap.back());
      heap.pop_back();
      if (t->stop.stop_requested()) {
        t->done(Status::Cancelled());
        continue;
      }
      if (Status st = Configure(*t); !st.ok()) {
        t->done(std::move(st));
        continue;
      }
      curl_multi_add_handle(multi_.get(), t->easy.get());
      const uint64_t id = t->id;
      threaded_.active.emplace(id, std::move(t));
    }
  }

  void CollectFinished() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
      const CURLcode result = msg->data.result;
      curl_multi_remove_handle(multi_.get(), msg->easy_handle);
      auto node = threaded_.active.extract(raw->id);
      Transfer& t = *node.mapped();
      if (result == CURLE_OK) {
        curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &t.response.status);
        t.done(std::move(t.response));
      } else if (t.stop.stop_requested()) {
        t.done(Status::Cancelled());
      } else {
        t.done(TransportError(result, t.error, t.request));
      }
    }
  }

  void AbortStopped() {
    for (auto it = threaded_.active.begin(); it != threaded_.active.end();) {
      Transfer& t = *it->second;
      if (t.stop.stop_requested()) {
        curl_multi_remove_handle(multi_.get(), t.easy.get());
        t.done(Status::Cancelled());
        it = threaded_.active.erase(it);
      } else {
        ++it;
      }
    }
  }

  Status Configure(Transfer& t) {
    t.easy.reset(curl_easy_init());
    if (!t.easy) return Status::Internal("curl_easy_init failed");
    CURL* h = t.easy.get();
    const HttpRequest& r = t.request;
    curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    // S3 keys may hold "//" or "/./": they must reach the server exactly as signed.
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, r.low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(r.low_speed_window.count()));
    if (r.total_timeout.count() > 0) {
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
    }
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());

    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, OnSeek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);

    const auto body_size = static_cast<curl_off_t>(r.body.size());
    if (r.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r.method == "PUT") {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, body_size);
    } else if (r.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
    } else {
      if (!r.body.empty()) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, body_size);
      }
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }

    curl_slist* list = nullptr;
    auto append = [&](const std::string& line) {
      curl_slist* next = curl_slist_append(list, line.c_str());
      if (next != nullptr) list = next;
    };
    for (const auto& [name, value] : r.headers) {
      // "Name;" sends a header with an empty value; "Name:" would remove it.
      append(value.empty() ? name + ";" : name + ": " + value);
    }
    // Headers curl would add on its own but the signature does not cover.
    if (!FindHeader(r.headers, "expect")) append("Expect:");
    if (!FindHeader(r.headers, "content-type")) append("Content-Type:");
    if (!FindHeader(r.headers, "accept")) append("Accept:");
    t.header_list.reset(list);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    return Status::OK();
  }

  HttpClientOptions options_;
  MultiHandle multi_;
  SyncedData synced_;
  ThreadedData threaded_;
  std::thread thread_;
};

HttpClient::HttpClient(HttpClientOptions options)
    : driver_(std::make_unique<Driver>(std::move(options))) {}

HttpClient::~HttpClient() = default;

void HttpClient::Start(HttpRequest request, Callback done, std::stop_token stop,
                       std::chrono::steady_clock::time_point not_before) {
  driver_->Submit(std::move(request), std::move(done), std::move(stop), not_before);
}

Result<HttpResponse> HttpClient::Send(HttpRequest request, std::stop_token stop) {
  std::promise<Result<HttpResponse>> promise;
  auto future = promise.get_future();
  Start(
      std::move(request),
      [&promise](Result<HttpResponse> r) { promise.set_value(std::move(r)); }, std::move(stop));
  return future.get();
}

}  // namespace ferry::net
