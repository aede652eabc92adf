#include "service/console_routes.h"

#include <zlib.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "service/api_routes.h"
#include "service/console_assets.h"

namespace ferry::service {

const char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

namespace {

void SetSecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
}

// The asset gzipped at level 9, made once: httplib would otherwise compress it
// again for every request (brotli at its slowest setting: about a second for
// the script on a busy machine).
const std::string& Gzipped(const ConsoleAsset& asset) {
  static std::mutex mu;
  static std::map<const ConsoleAsset*, std::string> cache;  // guarded by mu
  std::lock_guard lock(mu);
  auto [it, added] = cache.try_emplace(&asset);
  if (added) {
    z_stream z{};
    // windowBits 15 + 16: a gzip wrapper, as Content-Encoding: gzip means.
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK) {
      std::string out(deflateBound(&z, asset.body.size()), '\0');
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(asset.body.data()));
      z.avail_in = static_cast<uInt>(asset.body.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
        out.resize(z.total_out);
        it->second = std::move(out);
      }
      deflateEnd(&z);
    }
  }
  return it->second;  // empty when compression failed: served as is
}

bool AcceptsGzip(const httplib::Request& req) {
  return req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
}

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
  // A content provider of known length is sent as it is (httplib compresses
  // only bodies set with set_content).
  res.set_content_provider(
      body.size(), std::string(asset.content_type),
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body.data() + offset, std::min(length, body.size() - offset));
      });
}

}  // namespace

void AddConsoleRoutes(httplib::Server& s, ApiContext&) {
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
