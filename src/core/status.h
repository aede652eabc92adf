// Status and Result<T>: errors as values (LevelDB's Status, Abseil's StatusOr).
//
// A Status carries what a user needs to act on a failure: a code that decides
// retries, a message that says what failed, a hint that says what to check, and
// the side (source or destination) it happened on. Secrets never go in here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ferry {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // bad input from the user: never retried
  kNotFound,            // bucket, key, upload, file missing
  kAlreadyExists,
  kPermissionDenied,    // authenticated but not allowed (AccessDenied)
  kUnauthenticated,     // bad or expired credentials (InvalidAccessKeyId, SignatureDoesNotMatch)
  kUnavailable,         // DNS, refused connection, 5xx: transient, retried
  kResourceExhausted,   // throttled (SlowDown, 429, 503 Slow Down): retried with backoff
  kDeadlineExceeded,    // timeouts: retried
  kCancelled,           // the caller asked to stop
  kFailedPrecondition,  // state does not allow it (e.g. PreconditionFailed)
  kDataLoss,            // checksum or size mismatch
  kNotSupported,        // an optional capability the backend lacks
  kInternal,
};

// Which end of a transfer an error belongs to.
enum class Side { kNone = 0, kSource, kDestination };

const char* CodeName(Code code);
const char* SideName(Side side);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, std::string hint = {})
      : code_(code), message_(std::move(message)), hint_(std::move(hint)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg, std::string hint = {}) {
    return {Code::kInvalidArgument, std::move(msg), std::move(hint)};
  }
  static Status NotFound(std::string msg, std::string hint = {}) {
    return {Code::kNotFound, std::move(msg), std::move(hint)};
  }
  static Status Unavailable(std::string msg, std::string hint = {}) {
    return {Code::kUnavailable, std::move(msg), std::move(hint)};
  }
  static Status Unauthenticated(std::string msg, std::string hint = {}) {
    return {Code::kUnauthenticated, std::move(msg), std::move(hint)};
  }
  static Status PermissionDenied(std::string msg, std::string hint = {}) {
    return {Code::kPermissionDenied, std::move(msg), std::move(hint)};
  }
  static Status Cancelled(std::string msg = "cancelled") { return {Code::kCancelled, std::move(msg)}; }
  static Status DataLoss(std::string msg, std::string hint = {}) {
    return {Code::kDataLoss, std::move(msg), std::move(hint)};
  }
  static Status NotSupported(std::string what) {
    return {Code::kNotSupported, std::move(what) + " is not supported"};
  }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  Side side() const { return side_; }
  // The service's own error code ("NoSuchBucket"), if the error came from a service.
  const std::string& service_code() const { return service_code_; }
  int http_status() const { return http_status_; }

  Status& WithSide(Side side) & { side_ = side; return *this; }
  Status&& WithSide(Side side) && { side_ = side; return std::move(*this); }
  Status&& WithHint(std::string hint) && { hint_ = std::move(hint); return std::move(*this); }
  Status&& WithServiceCode(std::string code, int http_status) && {
    service_code_ = std::move(code);
    http_status_ = http_status;
    return std::move(*this);
  }
  // Prefixes the message with context: "listing s3://b: <message>".
  Status&& Context(const std::string& what) && {
    message_ = what + ": " + message_;
    return std::move(*this);
  }

  // Transient failures worth another attempt: decided by code, never by text.
  bool IsRetryable() const {
    return code_ == Code::kUnavailable || code_ == Code::kResourceExhausted ||
           code_ == Code::kDeadlineExceeded;
  }

  // One paragraph for the user: "[source] message. Check: hint".
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string hint_;
  Side side_ = Side::kNone;
  std::string service_code_;
  int http_status_ = 0;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok() for a meaningful error; returns OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }
  const Status& error() const { return std::get<Status>(v_); }
  Status&& take_error() && { return std::get<Status>(std::move(v_)); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ferry

// Returns early from the enclosing function when `expr` is not OK.
#define FERRY_RETURN_IF_ERROR(expr)        \
  do {                                     \
    ::ferry::Status _st = (expr);          \
    if (!_st.ok()) return _st;             \
  } while (0)
