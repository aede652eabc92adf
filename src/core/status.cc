#include "core/status.h"

namespace ferry {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kPermissionDenied: return "PermissionDenied";
    case Code::kUnauthenticated: return "Unauthenticated";
    case Code::kUnavailable: return "Unavailable";
    case Code::kResourceExhausted: return "ResourceExhausted";
    case Code::kDeadlineExceeded: return "DeadlineExceeded";
    case Code::kCancelled: return "Cancelled";
    case Code::kFailedPrecondition: return "FailedPrecondition";
    case Code::kDataLoss: return "DataLoss";
    case Code::kNotSupported: return "NotSupported";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

const char* SideName(Side side) {
  switch (side) {
    case Side::kNone: return "";
    case Side::kSource: return "source";
    case Side::kDestination: return "destination";
  }
  return "";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out;
  if (side_ != Side::kNone) {
    out += SideName(side_);
    out += ": ";
  }
  out += message_;
  if (!service_code_.empty() && message_.find(service_code_) == std::string::npos) {
    out += " (" + service_code_ + ")";
  }
  if (!hint_.empty()) {
    out += ". Check: " + hint_;
  }
  return out;
}

}  // namespace ferry
