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

void AppendHex(std::string& out, const unsigned char* data, size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
}

std::string Hex(const unsigned char* data, size_t len) {
  std::string out;
  out.reserve(len * 2);
  AppendHex(out, data, len);
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

// Appends `v` trimmed, with runs of spaces collapsed, as the canonical header value requires.
void AppendCanonicalValue(std::string& out, std::string_view v) {
  const size_t start = out.size();
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = out.size() > start;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
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

  // Headers: lower-case names and canonical values, written once into `text` (this
  // runs twice per object copied: one buffer, not two strings per header), then
  // sorted by name; the values of a repeated name are joined by ','.
  struct Canonical {
    size_t name_at, name_size, value_at, value_size;
  };
  std::string text;
  size_t text_size = 4 + parsed->host.size() + 6;  // a Host header of our own
  for (const auto& [name, value] : headers) text_size += name.size() + value.size();
  text.reserve(text_size);
  std::vector<Canonical> canonical;
  canonical.reserve(headers.size() + 1);
  bool has_host = false;
  auto add = [&](std::string_view name, auto append_value) {
    Canonical c{text.size(), name.size(), 0, 0};
    for (char ch : name) text.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    has_host |= std::string_view(text).substr(c.name_at) == "host";
    c.value_at = text.size();
    append_value();
    c.value_size = text.size() - c.value_at;
    canonical.push_back(c);
  };
  for (const auto& header : headers) {  // not a structured binding: clang 14 cannot capture one
    add(header.first, [&] { AppendCanonicalValue(text, header.second); });
  }
  if (!has_host) add("host", [&] { text += parsed->Authority(); });
  auto name_of = [&](const Canonical& c) { return std::string_view(text).substr(c.name_at, c.name_size); };
  auto value_of = [&](const Canonical& c) { return std::string_view(text).substr(c.value_at, c.value_size); };
  std::stable_sort(canonical.begin(), canonical.end(),
                   [&](const Canonical& a, const Canonical& b) { return name_of(a) < name_of(b); });

  CanonicalParts parts;
  std::string& request = parts.canonical_request;
  request.reserve(method.size() + parsed->path.size() + parsed->query.size() + text.size() * 2 +
                  canonical.size() * 3 + payload_hash.size() + 8);
  request += method;
  request += '\n';
  if (s3_style) {
    request += parsed->path.empty() ? "/" : parsed->path;
  } else {
    request += CanonicalUri(parsed->path, false);
  }
  request += '\n';
  if (!parsed->query.empty()) request += CanonicalQuery(parsed->query);
  request += '\n';
  std::string& signed_headers = parts.signed_headers;
  signed_headers.reserve(text.size());
  for (size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0 && name_of(canonical[i]) == name_of(canonical[i - 1])) {
      request.back() = ',';  // was the '\n'
    } else {
      request += name_of(canonical[i]);
      request += ':';
      if (!signed_headers.empty()) signed_headers += ';';
      signed_headers += name_of(canonical[i]);
    }
    request += value_of(canonical[i]);
    request += '\n';
  }
  request += '\n';
  request += signed_headers;
  request += '\n';
  request += payload_hash;

  const std::string_view date = std::string_view(amz_date).substr(0, 8);
  parts.scope.reserve(date.size() + region.size() + service.size() + 16);
  parts.scope.append(date).append("/").append(region).append("/").append(service).append(
      "/aws4_request");
  unsigned char request_hash[kSha256Bytes];
  Sha256Into({request}, request_hash);
  std::string& to_sign = parts.string_to_sign;
  to_sign.reserve(17 + amz_date.size() + parts.scope.size() + 2 * kSha256Bytes + 3);
  to_sign.append("AWS4-HMAC-SHA256\n").append(amz_date).append("\n").append(parts.scope);
  to_sign += '\n';
  AppendHex(to_sign, request_hash, kSha256Bytes);
  const std::string key = SigningKey(creds.secret_access_key, std::string(date), region, service);
  const std::string sig = HmacSha256(key, to_sign);
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
  std::string authorization;
  authorization.reserve(64 + creds.access_key_id.size() + parts->scope.size() +
                        parts->signed_headers.size() + parts->signature.size());
  authorization.append("AWS4-HMAC-SHA256 Credential=")
      .append(creds.access_key_id)
      .append("/")
      .append(parts->scope)
      .append(", SignedHeaders=")
      .append(parts->signed_headers)
      .append(", Signature=")
      .append(parts->signature);
  net::SetHeader(req.headers, "Authorization", std::move(authorization));
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
