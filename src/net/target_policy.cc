#include "net/target_policy.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "core/mutex.h"

namespace ferry::net {
namespace {

using Bytes = std::array<unsigned char, 16>;

Bytes FromV4(const in_addr& a) {
  Bytes b{};
  b[10] = b[11] = 0xff;
  std::memcpy(b.data() + 12, &a, 4);
  return b;
}

Bytes FromV6(const in6_addr& a) {
  Bytes b{};
  std::memcpy(b.data(), &a, 16);
  return b;
}

// An IP literal as 16 bytes; false for anything else.
bool ParseIp(const std::string& text, Bytes& out) {
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out = FromV4(v4);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    out = FromV6(v6);
    return true;
  }
  return false;
}

std::string Show(const Bytes& b) {
  char text[INET6_ADDRSTRLEN] = {};
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b.data(), kMapped, 12) == 0) {
    inet_ntop(AF_INET, b.data() + 12, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, b.data(), text, sizeof text);
  }
  return text;
}

// "a.b.c.d/n" or "v6/n" (bits of an IPv4 range count from the mapped prefix).
bool ParseCidr(const std::string& text, Bytes& base, int& bits) {
  const size_t slash = text.find('/');
  const std::string ip = text.substr(0, slash);
  if (!ParseIp(ip, base)) return false;
  const bool v4 = ip.find(':') == std::string::npos;
  int given = v4 ? 32 : 128;
  if (slash != std::string::npos) {
    const std::string n = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), given);
    if (ec != std::errc() || end != n.data() + n.size() || n.empty() || given < 0 ||
        given > (v4 ? 32 : 128)) {
      return false;
    }
  }
  bits = v4 ? 96 + given : given;
  return true;
}

Mutex process_mu;
std::shared_ptr<const TargetPolicy> process_policy GUARDED_BY(process_mu);

}  // namespace

TargetPolicy::TargetPolicy() {
  for (const auto& [cidr, name] : std::initializer_list<std::pair<const char*, const char*>>{
           {"127.0.0.0/8", "loopback"},
           {"::1/128", "loopback"},
           {"0.0.0.0/8", "this host"},
           {"::/128", "this host"},
           {"169.254.0.0/16", "link-local"},
           {"fe80::/10", "link-local"},
           {"fd00:ec2::254/128", "link-local"}}) {
    Range r;
    ParseCidr(cidr, r.base, r.bits);
    r.name = name;
    denied_.push_back(r);
  }
}

bool TargetPolicy::InRange(const Bytes& a, const Range& r) {
  for (int i = 0; i < r.bits; ++i) {
    const unsigned char mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((a[i / 8] & mask) != (r.base[i / 8] & mask)) return false;
  }
  return true;
}

Status TargetPolicy::Allow(const std::string& range) {
  if (range == "loopback" || range == "link-local" || range == "this-host") {
    const std::string name = range == "this-host" ? "this host" : range;
    for (const Range& r : denied_) {
      if (r.name == name) allowed_.push_back(r);
    }
    return Status::OK();
  }
  Range r;
  if (!ParseCidr(range, r.base, r.bits)) {
    return Status::InvalidArgument("--allow-target '" + range + "' is not a range",
                                   "loopback, link-local, or a CIDR such as 10.0.0.0/8");
  }
  r.name = range;
  allowed_.push_back(r);
  return Status::OK();
}

Status TargetPolicy::DenyListenAddress(const std::string& host, int port) {
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return Status::OK();  // loopback is refused anyway
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr == nullptr) continue;
      if (i->ifa_addr->sa_family == AF_INET) {
        self_.push_back({FromV4(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr), port});
      } else if (i->ifa_addr->sa_family == AF_INET6) {
        self_.push_back({FromV6(reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr), port});
      }
    }
    freeifaddrs(list);
    return Status::OK();
  }
  Bytes b;
  if (ParseIp(host, b)) self_.push_back({b, port});
  return Status::OK();
}

Status TargetPolicy::CheckBytes(const Bytes& a, int port, const std::string& shown) const {
  for (const Endpoint& e : self_) {
    if (e.address == a && e.port == port) {
      return Status::PermissionDenied(
          "the address " + shown + " is this server's own listen address, which tasks and "
          "webhooks may not target",
          "another endpoint");
    }
  }
  for (const Range& r : allowed_) {
    if (InRange(a, r)) return Status::OK();
  }
  for (const Range& r : denied_) {
    if (InRange(a, r)) {
      return Status::PermissionDenied(
          "the address " + shown + " (" + r.name + ") is not allowed as a target on this server",
          "another endpoint; an admin can allow the range with ferry server --allow-target " +
              (r.name == "this host" ? std::string("this-host") : r.name));
    }
  }
  return Status::OK();
}

Status TargetPolicy::Check(const sockaddr* address, socklen_t length) const {
  if (address == nullptr) return Status::PermissionDenied("no address to check");
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    const Bytes b = FromV4(in->sin_addr);
    return CheckBytes(b, ntohs(in->sin_port), Show(b) + ":" + std::to_string(ntohs(in->sin_port)));
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(address);
    const Bytes b = FromV6(in->sin6_addr);
    return CheckBytes(b, ntohs(in->sin6_port),
                      "[" + Show(b) + "]:" + std::to_string(ntohs(in->sin6_port)));
  }
  return Status::PermissionDenied("connections of address family " +
                                  std::to_string(address->sa_family) + " are not allowed");
}

Status TargetPolicy::CheckHost(const std::string& host, int port) const {
  Bytes b;
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  if (!ParseIp(bare, b)) return Status::OK();
  return CheckBytes(b, port, host + ":" + std::to_string(port));
}

void SetProcessTargetPolicy(std::shared_ptr<const TargetPolicy> policy) {
  MutexLock lock(process_mu);
  process_policy = std::move(policy);
}

std::shared_ptr<const TargetPolicy> ProcessTargetPolicy() {
  MutexLock lock(process_mu);
  return process_policy;
}

}  // namespace ferry::net
