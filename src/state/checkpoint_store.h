// Durable run state: multipart checkpoints (so a restarted run resumes a large
// object instead of starting over, and never leaves an upload behind) and the
// objects that failed every attempt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::state {

struct UploadCheckpoint {
  std::string key;        // destination key (relative)
  std::string upload_id;
  uint64_t size = 0;
  uint64_t part_size = 0;
  std::string source_etag;  // the source version this upload is a copy of
};

// A CreateMultipartUpload about to be sent. Kept until the upload it creates is
// checkpointed: an upload whose answer never came back (lost on the way, or the
// process killed first) is then found by key and time and aborted.
struct UploadAttempt {
  std::string key;         // destination key (relative)
  int64_t since_unix = 0;  // when the first unanswered attempt was about to be sent
};

struct FinishedPart {
  int part_number = 0;
  std::string etag;
  std::string md5_hex;
};

struct FailureRecord {
  std::string key;
  int attempts = 0;
  std::string error;
};

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  virtual Status SaveUpload(const UploadCheckpoint& upload) = 0;
  virtual Result<std::optional<UploadCheckpoint>> FindUpload(const std::string& key) = 0;
  virtual Result<std::vector<UploadCheckpoint>> AllUploads() = 0;
  // Forgets the upload and its parts (completed or aborted).
  virtual Status RemoveUpload(const std::string& key) = 0;
  // Records an attempt unless one is already recorded for `key` (the earliest
  // time is kept); true when this call recorded it.
  virtual Result<bool> SaveUploadAttempt(const UploadAttempt& attempt) = 0;
  virtual Result<std::vector<UploadAttempt>> UploadAttempts() = 0;
  virtual Status RemoveUploadAttempt(const std::string& key) = 0;
  virtual Status SavePart(const std::string& key, const FinishedPart& part) = 0;
  virtual Result<std::vector<FinishedPart>> Parts(const std::string& key) = 0;

  virtual Status RecordFailure(const FailureRecord& failure) = 0;
  virtual Status ClearFailure(const std::string& key) = 0;
};

}  // namespace ferry::state
