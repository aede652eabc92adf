// What a store's error means to a run, whatever the backend said. The engine,
// the event watch and the fleet ask here; only the store layer knows the
// backends' words for it (S3's error codes).
#pragma once

#include "core/status.h"

namespace ferry::store {

// No other object could succeed either (refused credentials, a missing bucket):
// the run must stop.
bool EndsTheRun(const Status& st);

// The object (not its bucket) does not exist.
bool IsMissingObject(const Status& st);

// The multipart upload is gone (aborted, expired, or never made): the object
// must start over with a new upload.
bool IsMissingUpload(const Status& st);

}  // namespace ferry::store
