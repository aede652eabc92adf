#include "auth/sigv4.h"

#include <openssl/evp.h>

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <initializer_list>
#include <vector>

#include "core/mutex.h"
#include "net/url.h"

namespace ferry::auth {
namespace {

constexpr size_t kSha256Bytes = 32;

std::string Hex(const unsigned char* data, size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

// SHA-256 fetched once: OpenSSL 3 looks EVP_sha256() and HMAC() up by name on every
// call (a lock and ~10 allocations each, twice per request signed).
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// One SHA-256 over `parts` on this thread's context, into `out` (32 bytes).
void Sha256Into(std::initializer_list<std::string_view> parts, unsigned char* out) {
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx t;
  unsigned int len = 0;
  EVP_DigestInit_ex(t.ctx, Sha256Md(), nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(t.ctx, p.data(), p.size());
  EVP_DigestFinal_ex(t.ctx, out, &len);
}

using sigv4_internal::HmacSha256;

// The signing key depends on the day, not the request: cache it, since
// deriving it is four HMACs on the path of every request.
std::string SigningKey(const std::string& secret, const std::string& date,
                       const std::string& region, const std::string& service) {
  struct Cached {
    std::string secret, date, region, service, key;
  };
  static Mutex mu;
  static std::vector<Cached> cache GUARDED_BY(mu);
  MutexLock lock(mu);
  for (const auto& c : cache) {
    if (c.date == date && c.region == region && c.service == service && c.secret == secret) {
      return c.key;
    }
  }
  std::string key = HmacSha256(
      HmacSha256(HmacSha256(HmacSha256("AWS4" + secret, date), region), service), "aws4_request");
  if (cache.size() >= 16) cache.erase(cache.begin());
  cache.push_back({secret, date, region, service, key});
  return key;
}

std::string AmzDate(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Removes "." and ".." segments and empty segments (non-S3 services only).
std::string NormalizePath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& s : segments) out += "/" + s;
  if (out.empty() || (path.size() > 1 && path.back() == '/')) out += "/";
  return out;
}

std::string CanonicalUri(const std::string& path, bool s3_style) {
  if (s3_style) return path.empty() ? "/" : path;
  // Other services: decode, normalise, encode once (as AWS's generic test suite does).
  return net::UriEncode(NormalizePath(net::UriDecode(path)), true);
}

std::string CanonicalQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    const std::string pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      std::string name = net::UriDecode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : net::UriDecode(pair.substr(eq + 1));
      params.emplace_back(net::UriEncode(name, false), net::UriEncode(value, false));
    }
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[kSha256Bytes];
  Sha256Into({data}, digest);
  return Hex(digest, kSha256Bytes);
}

namespace sigv4_internal {

// RFC 2104 over the fetched digest.
std::string HmacSha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) {
    Sha256Into({key}, k);
  } else {
    std::copy(key.begin(), key.end(), k);
  }
  char ipad[kBlock], opad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  unsigned char inner[kSha256Bytes], outer[kSha256Bytes];
  Sha256Into({std::string_view(ipad, kBlock), data}, inner);
  Sha256Into({std::string_view(opad, kBlock),
              std::string_view(reinterpret_cast<char*>(inner), kSha256Bytes)},
             outer);
  return std::string(reinterpret_cast<char*>(outer), kSha256Bytes);
}

Result<CanonicalParts> Sign(const std::string& method, const std::string& url,
                            const net::Headers& headers, const std::string& payload_hash,
                            const Credentials& creds, const std::string& region,
                            const std::string& service, const std::string& amz_date,
                            bool s3_style) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return std::move(parsed).take_error();

  // Headers: lower-case names, sorted, values of repeated names joined by ','.
  std::vector<std::pair<std::string, std::string>> canonical;
  bool has_host = false;
  for (const auto& [name, value] : headers) {
    std::string lname = Lower(name);
    has_host |= lname == "host";
    canonical.emplace_back(std::move(lname), CanonicalValue(value));
  }
  if (!has_host) canonical.emplace_back("host", parsed->Authority());
  std::stable_sort(canonical.begin(), canonical.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string header_block, signed_headers;
  for (size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0 && canonical[i].first == canonical[i - 1].first) {
      header_block.pop_back();  // the '\n'
      header_block += "," + canonical[i].second + "\n";
      continue;
    }
    header_block += canonical[i].first + ":" + canonical[i].second + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += canonical[i].first;
  }

  CanonicalParts parts;
  parts.signed_headers = signed_headers;
  parts.canonical_request = method + "\n" + CanonicalUri(parsed->path, s3_style) + "\n" +
                            CanonicalQuery(parsed->query) + "\n" + header_block + "\n" +
                            signed_headers + "\n" + payload_hash;
  const std::string date = amz_date.substr(0, 8);
  parts.scope = date + "/" + region + "/" + service + "/aws4_request";
  parts.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + parts.scope + "\n" +
                         Sha256Hex(parts.canonical_request);
  const std::string key = SigningKey(creds.secret_access_key, date, region, service);
  const std::string sig = HmacSha256(key, parts.string_to_sign);
  parts.signature = Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
  return parts;
}

}  // namespace sigv4_internal

Status SignRequest(net::HttpRequest& req, const Credentials& creds, const SigningParams& params) {
  const std::string amz_date = AmzDate(params.now);
  // A request signed before (a retry) must not sign its old signature.
  std::erase_if(req.headers, [](const auto& h) {
    return h.first.size() == 13 && strncasecmp(h.first.c_str(), "authorization", 13) == 0;
  });
  const std::string payload_hash =
      params.payload_hash.empty() ? Sha256Hex(req.body) : params.payload_hash;
  net::SetHeader(req.headers, "X-Amz-Date", amz_date);
  if (params.service == "s3") net::SetHeader(req.headers, "X-Amz-Content-Sha256", payload_hash);
  if (!creds.session_token.empty()) {
    net::SetHeader(req.headers, "X-Amz-Security-Token", creds.session_token);
  }
  auto parts = sigv4_internal::Sign(req.method, req.url, req.headers, payload_hash, creds,
                                    params.region, params.service, amz_date,
                                    params.service == "s3");
  if (!parts.ok()) return std::move(parts).take_error();
  net::SetHeader(req.headers, "Authorization",
                 "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + parts->scope +
                     ", SignedHeaders=" + parts->signed_headers +
                     ", Signature=" + parts->signature);
  return Status::OK();
}

Result<std::string> PresignUrl(const std::string& method, const std::string& url,
                               const Credentials& creds, const std::string& region,
                               const std::string& service,
                               std::chrono::system_clock::time_point now,
                               std::chrono::seconds expires) {
  auto parsed = net::ParseUrl(url);
  if (!parsed.ok()) return std::move(parsed).take_error();
  const std::string amz_date = AmzDate(now);
  const std::string scope =
      amz_date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
  std::string query = parsed->query;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!query.empty()) query += '&';
    query += name + "=" + net::UriEncode(value, false);
  };
  add("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  add("X-Amz-Credential", creds.access_key_id + "/" + scope);
  add("X-Amz-Date", amz_date);
  add("X-Amz-Expires", std::to_string(expires.count()));
  if (!creds.session_token.empty()) add("X-Amz-Security-Token", creds.session_token);
  add("X-Amz-SignedHeaders", "host");
  parsed->query = query;
  const std::string unsigned_url = parsed->ToString();
  auto parts = sigv4_internal::Sign(method, unsigned_url, {}, "UNSIGNED-PAYLOAD", creds, region,
                                    service, amz_date, service == "s3");
  if (!parts.ok()) return std::move(parts).take_error();
  return unsigned_url + "&X-Amz-Signature=" + parts->signature;
}

}  // namespace ferry::auth
