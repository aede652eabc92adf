// Registry logins (user and password) and where they come from.
#pragma once

#include <optional>
#include <stop_token>
#include <string>

#include "core/status.h"

namespace ferry::images {

struct Login {
  std::string username;
  std::string password;
};

// A source of the login for one registry. Thread-safe.
class LoginSource {
 public:
  virtual ~LoginSource() = default;
  // The login, or nullopt for anonymous access. Errors never contain a secret.
  virtual Result<std::optional<Login>> Get(std::stop_token stop) = 0;
  // The registry refused the login: drop what is cached. True when another
  // Get may return a different login (a fresh ECR token).
  virtual bool Invalidate() { return false; }
  // For messages: "user 'ci' from /home/me/.docker/config.json". No secret.
  virtual std::string Describe() const = 0;
};

// A login known up front, or anonymous access when `login` is empty.
class FixedLoginSource final : public LoginSource {
 public:
  FixedLoginSource(std::optional<Login> login, std::string origin)
      : login_(std::move(login)), origin_(std::move(origin)) {}
  Result<std::optional<Login>> Get(std::stop_token) override { return login_; }
  std::string Describe() const override {
    return login_ ? "user '" + login_->username + "' from " + origin_ : "anonymous access";
  }

 private:
  std::optional<Login> login_;
  std::string origin_;
};

}  // namespace ferry::images
