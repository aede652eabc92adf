// Single-object calls: HEAD, GET, PUT, server-side copy, batch delete, tags.
#include "core/md5.h"
#include "s3/s3_client.h"
#include "s3/write_headers.h"
#include "s3/xml.h"

namespace ferry::s3 {
namespace {

// "/bucket/key" URL-encoded, as x-amz-copy-source wants it.
std::string CopySource(const std::string& bucket, const std::string& key) {
  return "/" + bucket + "/" + net::UriEncode(key, /*keep_slash=*/true);
}

// A GetObject of the whole object; the caller says where its bytes go.
S3Request GetObjectRequest(const std::string& bucket, const std::string& key) {
  S3Request r;
  r.op = "GetObject";
  r.action = "s3:GetObject";
  r.bucket = bucket;
  r.key = key;
  return r;
}

// A PutObject with `options`' headers; the caller says where its bytes come from.
S3Request PutObjectRequest(const std::string& bucket, const std::string& key,
                           const WriteOptions& options) {
  S3Request r;
  r.op = "PutObject";
  r.action = "s3:PutObject";
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  AddWriteHeaders(options, r.headers);
  return r;
}

Result<ObjectHead> HeadOfResponse(net::HttpResponse* response) {
  return ObjectHeadFromHeaders(response->headers);
}

Result<std::string> EtagOfResponse(net::HttpResponse* response) {
  return StripQuotes(response->Header("etag").value_or(""));
}

}  // namespace

void S3Client::HeadObjectAsync(const std::string& bucket, const std::string& key, int part_number, Done<ObjectHead> done, std::stop_token stop) {
  S3Request r;
  r.op = "HeadObject";
  r.action = "s3:GetObject";
  r.method = "HEAD";
  r.bucket = bucket;
  r.key = key;
  if (part_number > 0) r.query = {{"partNumber", std::to_string(part_number)}};
  Send<ObjectHead>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<ObjectHead> {
        return ObjectHeadFromHeaders(response->headers);
      },
      std::move(done), std::move(stop));
}

Result<ObjectHead> S3Client::HeadObject(const std::string& bucket, const std::string& key, int part_number, std::stop_token stop) {
  return WaitFor<ObjectHead>([&](Done<ObjectHead> done) { HeadObjectAsync(bucket, key, part_number, std::move(done), stop); });
}

void S3Client::GetObjectAsync(const std::string& bucket, const std::string& key, uint64_t offset, uint64_t length, std::function<bool(std::string_view)> sink, Done<ObjectHead> done, std::stop_token stop) {
  S3Request r = GetObjectRequest(bucket, key);
  if (offset > 0 || length > 0) {
    std::string range = "bytes=" + std::to_string(offset) + "-";
    if (length > 0) range += std::to_string(offset + length - 1);
    r.headers.emplace_back("Range", std::move(range));
  }
  r.body_sink = std::move(sink);
  Send<ObjectHead>(std::move(r), HeadOfResponse, std::move(done), std::move(stop));
}

Result<ObjectHead> S3Client::GetObject(const std::string& bucket, const std::string& key, uint64_t offset, uint64_t length, std::function<bool(std::string_view)> sink, std::stop_token stop) {
  return WaitFor<ObjectHead>([&](Done<ObjectHead> done) { GetObjectAsync(bucket, key, offset, length, sink, std::move(done), stop); });
}

void S3Client::PutObjectAsync(const std::string& bucket, const std::string& key, std::string_view body, const WriteOptions& options, Done<std::string> done, std::stop_token stop) {
  S3Request r = PutObjectRequest(bucket, key, options);
  r.body = body;
  Send<std::string>(std::move(r), EtagOfResponse, std::move(done), std::move(stop));
}

Result<std::string> S3Client::PutObject(const std::string& bucket, const std::string& key, std::string_view body, const WriteOptions& options, std::stop_token stop) {
  return WaitFor<std::string>([&](Done<std::string> done) { PutObjectAsync(bucket, key, body, options, std::move(done), stop); });
}

void S3Client::GetObjectIntoAsync(const std::string& bucket, const std::string& key, const std::string& if_match, std::shared_ptr<BytePipe> pipe, Done<ObjectHead> done, std::stop_token stop) {
  S3Request r = GetObjectRequest(bucket, key);
  if (!if_match.empty()) r.headers.emplace_back("If-Match", "\"" + if_match + "\"");
  r.body_into = std::move(pipe);
  Send<ObjectHead>(std::move(r), HeadOfResponse, std::move(done), std::move(stop));
}

void S3Client::PutObjectFromAsync(const std::string& bucket, const std::string& key, std::shared_ptr<BytePipe> pipe, uint64_t length, const WriteOptions& options, Done<std::string> done, std::stop_token stop) {
  S3Request r = PutObjectRequest(bucket, key, options);
  r.body_from = std::move(pipe);
  r.body_from_length = length;
  Send<std::string>(std::move(r), EtagOfResponse, std::move(done), std::move(stop));
}

void S3Client::CopyObjectAsync(const std::string& src_bucket, const std::string& src_key, const std::string& bucket, const std::string& key, const WriteOptions& options, bool replace_metadata, Done<std::string> done, std::stop_token stop) {
  S3Request r;
  r.op = "CopyObject";
  r.action = "s3:PutObject";
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.headers.emplace_back("x-amz-copy-source", CopySource(src_bucket, src_key));
  r.headers.emplace_back("x-amz-metadata-directive", replace_metadata ? "REPLACE" : "COPY");
  WriteOptions effective = options;
  if (!replace_metadata) {
    // With COPY the service keeps the source's headers; sending ours would be refused.
    effective = WriteOptions{.storage_class = options.storage_class, .acl = options.acl,
                             .sse = options.sse, .sse_kms_key_id = options.sse_kms_key_id};
  }
  AddWriteHeaders(effective, r.headers);
  Send<std::string>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<std::string> {
        pugi::xml_document doc;
        FERRY_RETURN_IF_ERROR(ParseXml(response->body, "CopyObject", doc));
        return StripQuotes(doc.document_element().child_value("ETag"));
      },
      std::move(done), std::move(stop));
}

Result<std::string> S3Client::CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& bucket, const std::string& key, const WriteOptions& options, bool replace_metadata, std::stop_token stop) {
  return WaitFor<std::string>([&](Done<std::string> done) { CopyObjectAsync(src_bucket, src_key, bucket, key, options, replace_metadata, std::move(done), stop); });
}

Result<DeleteResult> S3Client::DeleteObjects(const std::string& bucket,
                                             const std::vector<std::string>& keys,
                                             std::stop_token stop) {
  pugi::xml_document request_doc;
  pugi::xml_node root = request_doc.append_child("Delete");
  root.append_child("Quiet").text().set("false");
  for (const auto& key : keys) {
    root.append_child("Object").append_child("Key").text().set(key.c_str());
  }
  const std::string body = ToXmlString(request_doc);
  S3Request r;
  r.op = "DeleteObjects";
  r.action = "s3:DeleteObject";
  r.method = "POST";
  r.bucket = bucket;
  r.query = {{"delete", ""}};
  r.body = body;
  // S3 refuses a batch delete without a body checksum.
  r.headers = {{"Content-MD5", Md5Base64(body)}, {"Content-Type", "application/xml"}};
  auto response = Execute(std::move(r), std::move(stop));
  if (!response.ok()) return std::move(response).take_error();
  pugi::xml_document doc;
  FERRY_RETURN_IF_ERROR(ParseXml(response->body, "DeleteObjects", doc));
  DeleteResult result;
  const pugi::xml_node out = doc.document_element();
  for (pugi::xml_node d = out.child("Deleted"); d; d = d.next_sibling("Deleted")) {
    result.deleted.push_back(ChildText(d, "Key"));
  }
  for (pugi::xml_node e = out.child("Error"); e; e = e.next_sibling("Error")) {
    result.errors.emplace_back(ChildText(e, "Key"),
                               ChildText(e, "Code") + ": " + ChildText(e, "Message"));
  }
  return result;
}

void S3Client::GetObjectTaggingAsync(const std::string& bucket, const std::string& key, Done<std::vector<Tag>> done, std::stop_token stop) {
  S3Request r;
  r.op = "GetObjectTagging";
  r.action = "s3:GetObjectTagging";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"tagging", ""}};
  Send<std::vector<Tag>>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<std::vector<Tag>> {
        pugi::xml_document doc;
        FERRY_RETURN_IF_ERROR(ParseXml(response->body, "GetObjectTagging", doc));
        std::vector<Tag> tags;
        for (pugi::xml_node t = doc.document_element().child("TagSet").child("Tag"); t;
             t = t.next_sibling("Tag")) {
          tags.push_back({ChildText(t, "Key"), ChildText(t, "Value")});
        }
        return tags;
      },
      std::move(done), std::move(stop));
}

Result<std::vector<Tag>> S3Client::GetObjectTagging(const std::string& bucket, const std::string& key, std::stop_token stop) {
  return WaitFor<std::vector<Tag>>([&](Done<std::vector<Tag>> done) { GetObjectTaggingAsync(bucket, key, std::move(done), stop); });
}

Status S3Client::PutObjectTagging(const std::string& bucket, const std::string& key,
                                  const std::vector<Tag>& tags, std::stop_token stop) {
  pugi::xml_document request_doc;
  pugi::xml_node set = request_doc.append_child("Tagging").append_child("TagSet");
  for (const auto& tag : tags) {
    pugi::xml_node t = set.append_child("Tag");
    t.append_child("Key").text().set(tag.key.c_str());
    t.append_child("Value").text().set(tag.value.c_str());
  }
  const std::string body = ToXmlString(request_doc);
  S3Request r;
  r.op = "PutObjectTagging";
  r.action = "s3:PutObjectTagging";
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"tagging", ""}};
  r.body = body;
  r.headers = {{"Content-MD5", Md5Base64(body)}, {"Content-Type", "application/xml"}};
  return Execute(std::move(r), std::move(stop)).status();
}

}  // namespace ferry::s3
