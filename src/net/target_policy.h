// Which addresses a connection may reach. A server that runs other people's
// tasks must not be a proxy into its own host or cloud: by default it refuses
// loopback, "this host" (0.0.0.0/8, ::), link-local (169.254.0.0/16 with the
// instance metadata service, fe80::/10, fd00:ec2::254) and its own listen
// address; an admin allows ranges by name or CIDR.
//
// The check runs on the address each connection is actually opened to (after
// DNS, for every redirect and retry: HttpClient calls it from curl's
// open-socket callback), so a name that resolves elsewhere later (DNS
// rebinding) cannot pass it.
#pragma once

#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::net {

class TargetPolicy {
 public:
  // Refuses the default ranges above; everything else is allowed.
  TargetPolicy();

  // Allows `range` even where a default refuses it: "loopback", "link-local",
  // or a CIDR ("10.0.0.0/8", "fd00::/8", "127.0.0.1/32"). InvalidArgument otherwise.
  Status Allow(const std::string& range);
  // Refuses `host`:`port` (the server's own listen address); a wildcard host
  // ("0.0.0.0", "::", "") refuses the port on every address of this machine.
  Status DenyListenAddress(const std::string& host, int port);
  // When set, connection failures of every kind read alike ("cannot connect"),
  // so the errors of a task cannot map which ports of a network answer.
  void set_uniform_connect_errors(bool on) { uniform_connect_errors_ = on; }
  bool uniform_connect_errors() const { return uniform_connect_errors_; }

  // OK, or PermissionDenied saying which address is refused and why.
  Status Check(const sockaddr* address, socklen_t length) const;
  // The same for an IP literal and port; OK for names (they are checked when
  // connected). For refusing a task early.
  Status CheckHost(const std::string& host, int port) const;

 private:
  using Bytes = std::array<unsigned char, 16>;  // IPv6, IPv4 mapped (::ffff:a.b.c.d)
  struct Range {
    Bytes base;
    int bits;
    std::string name;
  };
  struct Endpoint {
    Bytes address;
    int port;
  };
  static bool InRange(const Bytes& a, const Range& r);
  Status CheckBytes(const Bytes& a, int port, const std::string& shown) const;

  std::vector<Range> denied_;
  std::vector<Range> allowed_;
  std::vector<Endpoint> self_;
  bool uniform_connect_errors_ = false;
};

// The policy every HttpClient of this process applies unless its options name
// another: none (everything allowed) until a server sets one at start.
void SetProcessTargetPolicy(std::shared_ptr<const TargetPolicy> policy);
std::shared_ptr<const TargetPolicy> ProcessTargetPolicy();

}  // namespace ferry::net
