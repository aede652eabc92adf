// WriteOptions to request headers, shared by PutObject, CopyObject and
// CreateMultipartUpload; ObjectHead from response headers, shared by HEAD and GET.
#pragma once

#include "net/http.h"
#include "s3/types.h"

namespace ferry::s3 {

void AddWriteHeaders(const WriteOptions& options, net::Headers& headers);
ObjectHead ObjectHeadFromHeaders(const net::Headers& headers);

}  // namespace ferry::s3
