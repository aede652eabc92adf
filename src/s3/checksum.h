// Content checksums S3 verifies on upload.
#pragma once

#include <string>
#include <string_view>

namespace ferry::s3 {

// Base64 of the MD5 digest: the Content-MD5 header.
std::string Md5Base64(std::string_view data);

}  // namespace ferry::s3
