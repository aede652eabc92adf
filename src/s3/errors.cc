#include "s3/errors.h"

#include <pugixml.hpp>

#include <string_view>
#include <unordered_map>

namespace ferry::s3 {
namespace {

// How each S3 error code is treated: the Status code decides retries.
struct ErrorKind {
  Code code;
  const char* hint;  // may reference nothing specific; context is added around it
};

const std::unordered_map<std::string_view, ErrorKind>& KnownErrors() {
  static const auto* table = new std::unordered_map<std::string_view, ErrorKind>{
      {"NoSuchBucket", {Code::kNotFound, "the bucket name and region; the bucket must exist "
                                         "(ferry does not create destination buckets)"}},
      {"NoSuchKey", {Code::kNotFound, "the object may have been deleted since it was listed"}},
      {"NoSuchUpload", {Code::kNotFound, "the multipart upload was aborted or completed"}},
      {"NoSuchVersion", {Code::kNotFound, "the version ID"}},
      {"InvalidAccessKeyId", {Code::kUnauthenticated,
                              "the access key ID, and that the bucket name and region "
                              "belong to the account of that key"}},
      {"SignatureDoesNotMatch", {Code::kUnauthenticated,
                                 "the secret access key that goes with this access key ID"}},
      {"InvalidToken", {Code::kUnauthenticated,
                        "the session token; a stored secret must be JSON of the form "
                        "{\"access_key_id\": \"<Your Access Key ID>\", \"secret_access_key\": "
                        "\"<Your Access Key Secret>\"}"}},
      {"ExpiredToken", {Code::kUnauthenticated, "the temporary credentials have expired; "
                                                "refresh them or use long-term keys"}},
      {"TokenRefreshRequired", {Code::kUnauthenticated, "the temporary credentials"}},
      {"RequestTimeTooSkewed", {Code::kUnauthenticated, "the system clock of this machine"}},
      {"AccessDenied", {Code::kPermissionDenied, ""}},
      {"AllAccessDisabled", {Code::kPermissionDenied, "the bucket's access settings"}},
      {"AccountProblem", {Code::kPermissionDenied, "the account's status"}},
      {"KMS.AccessDeniedException", {Code::kPermissionDenied,
                                     "the KMS key policy allows kms:Decrypt and "
                                     "kms:GenerateDataKey for these credentials"}},
      {"KMS.DisabledException", {Code::kFailedPrecondition, "the KMS key is enabled"}},
      {"SlowDown", {Code::kResourceExhausted, "the request rate"}},
      {"Throttling", {Code::kResourceExhausted, "the request rate"}},
      {"ThrottlingException", {Code::kResourceExhausted, "the request rate"}},
      {"TooManyRequests", {Code::kResourceExhausted, "the request rate"}},
      {"RequestLimitExceeded", {Code::kResourceExhausted, "the request rate"}},
      {"InternalError", {Code::kUnavailable, "the service status"}},
      {"ServiceUnavailable", {Code::kUnavailable, "the service status"}},
      {"RequestTimeout", {Code::kUnavailable, "network reachability of the endpoint"}},
      {"OperationAborted", {Code::kUnavailable, "a conflicting operation on the bucket"}},
      {"PreconditionFailed", {Code::kFailedPrecondition, "the object changed during the copy"}},
      {"BadDigest", {Code::kDataLoss, "the data was corrupted in transit"}},
      {"InvalidDigest", {Code::kDataLoss, "the data was corrupted in transit"}},
      {"XAmzContentSHA256Mismatch", {Code::kDataLoss, "the data was corrupted in transit"}},
      {"InvalidPart", {Code::kInvalidArgument, "the part list of the multipart upload"}},
      {"InvalidPartOrder", {Code::kInvalidArgument, "the part list of the multipart upload"}},
      {"EntityTooSmall", {Code::kInvalidArgument, "the part size (at least 5 MiB but the last)"}},
      {"EntityTooLarge", {Code::kInvalidArgument, "the object or part size limits"}},
      {"KeyTooLongError", {Code::kInvalidArgument, "the key length (at most 1,024 bytes)"}},
      {"InvalidBucketName", {Code::kInvalidArgument, "the bucket name"}},
      {"InvalidStorageClass", {Code::kInvalidArgument, "the storage class"}},
      {"InvalidArgument", {Code::kInvalidArgument, "the request options"}},
      {"NotImplemented", {Code::kNotSupported, "whether this service supports the operation"}},
      {"MethodNotAllowed", {Code::kNotSupported, "whether this service supports the operation"}},
  };
  return *table;
}

Code CodeForHttpStatus(long status) {
  if (status == 404) return Code::kNotFound;
  if (status == 401) return Code::kUnauthenticated;
  if (status == 403) return Code::kPermissionDenied;
  if (status == 412) return Code::kFailedPrecondition;
  if (status == 429) return Code::kResourceExhausted;
  if (status >= 500) return Code::kUnavailable;
  return Code::kInvalidArgument;
}

std::string Location(const ErrorContext& c) {
  if (c.bucket.empty()) return c.endpoint;
  std::string where = "s3://" + c.bucket;
  if (!c.key.empty()) where += "/" + c.key;
  return where;
}

}  // namespace

S3ErrorDocument ParseErrorDocument(std::string_view body) {
  S3ErrorDocument doc;
  pugi::xml_document xml;
  if (body.empty() || !xml.load_buffer(body.data(), body.size())) return doc;
  pugi::xml_node error = xml.child("Error");
  if (!error) return doc;
  doc.code = error.child_value("Code");
  doc.message = error.child_value("Message");
  doc.region = error.child_value("Region");
  return doc;
}

Status ErrorFromResponse(const net::HttpResponse& response, const ErrorContext& c) {
  S3ErrorDocument doc = ParseErrorDocument(response.body);
  if (doc.code.empty()) {
    // HEAD responses have no body: the status is all there is.
    switch (response.status) {
      case 404: doc.code = c.key.empty() ? "NoSuchBucket" : "NoSuchKey"; break;
      case 403: doc.code = "AccessDenied"; break;
      case 503: doc.code = "SlowDown"; break;
      default: break;
    }
  }
  const auto& table = KnownErrors();
  const auto it = table.find(doc.code);
  Code code = it != table.end() ? it->second.code : CodeForHttpStatus(response.status);
  std::string hint = it != table.end() ? it->second.hint : "";
  // A 503 without a known code is how S3 throttles too.
  if (it == table.end() && response.status == 503) code = Code::kResourceExhausted;

  const std::string where = Location(c);
  std::string message;
  if (doc.code == "NoSuchBucket") {
    message = "bucket '" + c.bucket + "' does not exist at " + c.endpoint;
  } else if (doc.code == "NoSuchKey") {
    message = "object " + where + " does not exist";
  } else if (code == Code::kUnauthenticated) {
    message = std::string(c.op) + " on " + where + " was refused: " +
              (doc.message.empty() ? doc.code : doc.message);
  } else if (code == Code::kPermissionDenied) {
    message = "access denied for " + std::string(c.op) + " on " + where;
    if (doc.code.rfind("KMS", 0) != 0 && *c.action != '\0') {
      hint = "the credentials' policy allows " + std::string(c.action) + " on " + where;
    }
  } else {
    message = std::string(c.op) + " on " + where + " failed: " +
              (doc.message.empty() ? "HTTP " + std::to_string(response.status) : doc.message);
  }
  if (doc.code.empty()) doc.code = "HTTP" + std::to_string(response.status);
  return Status(code, std::move(message), std::move(hint))
      .WithSide(c.side)
      .WithServiceCode(doc.code, static_cast<int>(response.status));
}

}  // namespace ferry::s3
