// A tiny HTTP/1.1 server on 127.0.0.1 for unit tests of the HTTP client only.
// It answers every request with 200 and echoes the request body; the path
// "/stall" never answers, "/status/N" answers with status N, "/big/N" sends N bytes.
// Keep-alive is honoured so connection reuse can be observed. Answer() sets a
// canned reply for "METHOD /path" (metadata services in credential tests);
// Handle() lets a test answer every request itself (a fake registry).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::testing {

class LoopbackServer {
 public:
  LoopbackServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 512);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~LoopbackServer() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    // Workers take mu_ too: join them without holding it.
    std::vector<std::thread> workers;
    std::vector<int> fds;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
      fds = conn_fds_;
    }
    for (int fd : fds) shutdown(fd, SHUT_RDWR);
    for (auto& t : workers) t.join();
    for (int fd : fds) close(fd);
  }

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections_accepted() const { return accepted_.load(); }
  void Answer(const std::string& method_path, int status, std::string body) {
    std::lock_guard lock(mu_);
    canned_[method_path] = {status, std::move(body)};
  }
  struct Reply {
    int status = 200;
    std::string headers;  // extra header lines, each ending in "\r\n"
    std::string body;
  };
  // `handler(head, body)` answers every request; head is the raw request head.
  void Handle(std::function<Reply(const std::string& head, const std::string& body)> handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  // The raw text of the last request head received.
  std::string last_head() {
    std::lock_guard lock(mu_);
    return last_head_;
  }

 private:
  void Accept() {
    while (!stopping_) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++accepted_;
      std::lock_guard lock(mu_);
      conn_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buf;
    char chunk[65536];
    for (;;) {
      size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) return;
        buf.append(chunk, static_cast<size_t>(n));
      }
      std::string head = buf.substr(0, head_end);
      buf.erase(0, head_end + 4);
      {
        std::lock_guard lock(mu_);
        last_head_ = head;
      }
      size_t content_length = 0;
      std::string lower = head;
      for (auto& c : lower) c = static_cast<char>(tolower(c));
      if (auto pos = lower.find("content-length:"); pos != std::string::npos) {
        content_length = std::stoul(lower.substr(pos + 15));
      }
      while (buf.size() < content_length) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) return;
        buf.append(chunk, static_cast<size_t>(n));
      }
      std::string body = buf.substr(0, content_length);
      buf.erase(0, content_length);

      const std::string path = head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) -
                                                                  head.find(' ') - 1);
      int status = 200;
      std::string extra_headers;
      std::function<Reply(const std::string&, const std::string&)> handler;
      {
        std::lock_guard lock(mu_);
        handler = handler_;
      }
      if (handler) {
        Reply reply = handler(head, body);
        status = reply.status;
        extra_headers = std::move(reply.headers);
        body = std::move(reply.body);
      }
      {
        std::lock_guard lock(mu_);
        auto it = canned_.find(head.substr(0, head.find(' ')) + " " + path);
        if (it != canned_.end()) {
          status = it->second.first;
          body = it->second.second;
        }
      }
      if (path == "/stall") {
        while (!stopping_) {
          ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
          if (n <= 0) return;
        }
        return;
      }
      if (path.starts_with("/status/")) status = std::stoi(path.substr(8));
      if (path.starts_with("/big/")) body.assign(std::stoul(path.substr(5)), 'x');
      const bool head_request = head.starts_with("HEAD ");
      std::string response = "HTTP/1.1 " + std::to_string(status) +
                             " X\r\nX-Echo-Method: " + head.substr(0, head.find(' ')) +
                             "\r\n" + extra_headers +
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      if (!head_request) response += body;
      size_t sent = 0;
      while (sent < response.size()) {
        ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> conn_fds_;
  std::string last_head_;
  std::map<std::string, std::pair<int, std::string>> canned_;
  std::function<Reply(const std::string&, const std::string&)> handler_;
};

}  // namespace ferry::testing
