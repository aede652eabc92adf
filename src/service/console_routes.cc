#include "service/console_routes.h"

#include <zlib.h>

#include <algorithm>
#include <map>
#include <memory>

#include "core/mutex.h"
#include "service/api_routes.h"
#include "service/console_assets.h"

namespace ferry::service {

const char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

namespace {

bool AcceptsGzip(const httplib::Request& req) {
  return req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
}

void SetSecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
}

// `in` gzipped at `level`; "" when zlib fails.
std::string Gzip(std::string_view in, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper, as Content-Encoding: gzip means.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const bool done = deflate(&z, Z_FINISH) == Z_STREAM_END;
  out.resize(done ? z.total_out : 0);
  deflateEnd(&z);
  return out;
}

// The asset gzipped at level 9, made once: httplib would otherwise compress it
// again for every request (brotli at its slowest setting: about a second for
// the script on a busy machine).
const std::string& Gzipped(const ConsoleAsset& asset) {
  static Mutex mu;
  static std::map<const ConsoleAsset*, std::string> cache GUARDED_BY(mu);
  MutexLock lock(mu);
  auto [it, added] = cache.try_emplace(&asset);
  if (added) it->second = Gzip(asset.body, 9);
  return it->second;  // empty when compression failed: served as is
}

// Sends `body` as it is: httplib compresses only bodies set with set_content.
void SendAsIs(httplib::Response& res, std::shared_ptr<const std::string> body,
              const std::string& content_type) {
  const size_t size = body->size();
  res.set_content_provider(
      size, content_type,
      [body = std::move(body)](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body->data() + offset, std::min(length, body->size() - offset));
      });
}

// Whether the request this thread is answering accepts gzip: set before routing,
// read by SetJsonBody (httplib answers each request on one thread).
thread_local bool t_accepts_gzip = false;

void Serve(const ConsoleAsset& asset, const httplib::Request& req, httplib::Response& res) {
  res.status = 200;
  // Hashed names never change content; the index must be checked every time so
  // that a new build's names are picked up.
  res.set_header("Cache-Control",
                 asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set_header("Vary", "Accept-Encoding");
  std::string_view body = asset.body;
  if (asset.body.size() > 1024 && AcceptsGzip(req) && !Gzipped(asset).empty()) {
    body = Gzipped(asset);
    res.set_header("Content-Encoding", "gzip");
  }
  // The embedded bytes live as long as the process: no copy.
  res.set_content_provider(
      body.size(), std::string(asset.content_type),
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body.data() + offset, std::min(length, body.size() - offset));
      });
}

}  // namespace

void SetJsonBody(httplib::Response& res, std::string json) {
  // httplib would compress a body with brotli at quality 11 for browsers: 17 s
  // for the unpaged list of 10,000 tasks, 50 ms for a page of 50. Gzip at level
  // 6, done here, costs a few milliseconds and a little more size.
  // Small answers and errors go as a plain body: the error handler only fills
  // in answers whose body is empty, and compressing a few bytes buys nothing.
  if (json.size() < 1024 || res.status >= 400) {
    return res.set_content(json, "application/json");
  }
  if (t_accepts_gzip) {
    auto gz = std::make_shared<const std::string>(Gzip(json, 6));
    if (!gz->empty()) {
      res.set_header("Content-Encoding", "gzip");
      res.set_header("Vary", "Accept-Encoding");
      return SendAsIs(res, std::move(gz), "application/json");
    }
  }
  SendAsIs(res, std::make_shared<const std::string>(std::move(json)), "application/json");
}

void AddConsoleRoutes(httplib::Server& s, ApiContext&) {
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    t_accepts_gzip = AcceptsGzip(req);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    SetSecurityHeaders(res);
  });
  // Everything outside the API: a file of the console, else its index page
  // (the browser-side router shows the path), else 404 for missing files.
  s.Get(R"(/(?!api/|api$|metrics$).*)", [](const httplib::Request& req, httplib::Response& res) {
    if (const ConsoleAsset* asset = FindConsoleAsset(req.path == "/" ? "/index.html" : req.path)) {
      return Serve(*asset, req, res);
    }
    const bool looks_like_file = req.path.rfind('.') != std::string::npos &&
                                 req.path.rfind('.') > req.path.rfind('/');
    if (looks_like_file || req.path.starts_with("/assets/")) {
      res.status = 404;
      res.set_content("not found\n", "text/plain; charset=utf-8");
      return;
    }
    Serve(*FindConsoleAsset("/index.html"), req, res);
  });
}

}  // namespace ferry::service
