// URL parsing and RFC 3986 percent-encoding as S3 and SigV4 need them.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::net {

struct Url {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // without brackets for IPv6
  int port = 0;        // 0 = scheme default
  std::string path;    // as given (already encoded), "/" when empty
  std::string query;   // after '?', without it; as given

  // "host" or "host:port" when the port is not the scheme default (the Host header).
  std::string Authority() const;
  // scheme://authority
  std::string Origin() const;
  // Origin + path + ("?" + query if any).
  std::string ToString() const;
};

// Parses an absolute http(s) URL. Errors name the URL and what is wrong with it.
Result<Url> ParseUrl(std::string_view text);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when
// keep_slash). This is the encoding SigV4 and S3 keys require.
std::string UriEncode(std::string_view in, bool keep_slash);

// Decodes %XX sequences, and '+' as a space when `plus_is_space` (form
// encoding). Invalid sequences are kept verbatim.
std::string UriDecode(std::string_view in, bool plus_is_space = false);

// True when host is an IPv4/IPv6 literal or "localhost": such endpoints cannot
// use virtual-hosted addressing.
bool IsIpOrLocalhost(std::string_view host);

}  // namespace ferry::net
