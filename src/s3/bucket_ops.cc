// Bucket-level calls: existence and region.
#include "s3/s3_client.h"
#include "s3/xml.h"

namespace ferry::s3 {

Status S3Client::HeadBucket(const std::string& bucket, std::stop_token stop) {
  S3Request r;
  r.op = "HeadBucket";
  r.action = "s3:ListBucket";
  r.method = "HEAD";
  r.bucket = bucket;
  return Execute(std::move(r), std::move(stop)).status();
}

Result<std::string> S3Client::GetBucketLocation(const std::string& bucket, std::stop_token stop) {
  S3Request r;
  r.op = "GetBucketLocation";
  r.action = "s3:GetBucketLocation";
  r.bucket = bucket;
  r.query = {{"location", ""}};
  auto response = Execute(std::move(r), std::move(stop));
  if (!response.ok()) return std::move(response).take_error();
  pugi::xml_document doc;
  FERRY_RETURN_IF_ERROR(ParseXml(response->body, "GetBucketLocation", doc));
  std::string region = doc.child_value("LocationConstraint");
  // Historic values: empty means us-east-1, "EU" means eu-west-1.
  if (region.empty()) return std::string("us-east-1");
  if (region == "EU") return std::string("eu-west-1");
  return region;
}

}  // namespace ferry::s3
