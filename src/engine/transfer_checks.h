// Small checks shared by the ways a Transferer copies an object.
#pragma once

#include <string>

#include "core/status.h"
#include "engine/part_plan.h"

namespace ferry::engine {

// An ETag that is the MD5 of the bytes: single-part, not encrypted with KMS.
inline bool EtagIsMd5(const std::string& etag, const std::string& sse) {
  return etag.size() == 32 && EtagPartCount(etag) == 0 && sse != "aws:kms";
}

// A checksum that disagrees: the attempt failed, and is retried.
inline Status Mismatch(const std::string& what, const std::string& key,
                       const std::string& expected, const std::string& got) {
  return Status::DataLoss(what + " of '" + key + "' does not match: expected " + expected +
                              ", got " + got,
                          "nothing; the object is copied again");
}

}  // namespace ferry::engine
