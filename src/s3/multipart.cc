// Multipart uploads: create, parts (uploaded or copied), complete, abort, and
// the listings that find what a crashed run left behind.
#include "s3/s3_client.h"
#include "s3/write_headers.h"
#include "s3/xml.h"

namespace ferry::s3 {

void S3Client::CreateMultipartUploadAsync(const std::string& bucket, const std::string& key, const WriteOptions& options, Done<std::string> done, std::stop_token stop) {
  S3Request r;
  r.op = "CreateMultipartUpload";
  r.action = "s3:PutObject";
  r.method = "POST";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploads", ""}};
  WriteOptions effective = options;
  effective.content_md5.clear();  // checksums belong to parts, not to the upload
  effective.checksum_crc32c.clear();
  AddWriteHeaders(effective, r.headers);
  Send<std::string>(
      std::move(r),
      [=, this](net::HttpResponse* response) -> Result<std::string> {
        pugi::xml_document doc;
        FERRY_RETURN_IF_ERROR(ParseXml(response->body, "CreateMultipartUpload", doc));
        std::string upload_id = doc.document_element().child_value("UploadId");
        if (upload_id.empty()) {
          return Status::Unavailable("CreateMultipartUpload on s3://" + bucket + "/" + key +
                                     " returned no UploadId")
              .WithSide(config_.side);
        }
        return upload_id;
      },
      std::move(done), std::move(stop));
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& bucket, const std::string& key, const WriteOptions& options, std::stop_token stop) {
  return WaitFor<std::string>([&](Done<std::string> done) { CreateMultipartUploadAsync(bucket, key, options, std::move(done), stop); });
}

void S3Client::UploadPartAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number, std::string_view body, const WriteOptions& options, Done<std::string> done, std::stop_token stop) {
  S3Request r;
  r.op = "UploadPart";
  r.action = "s3:PutObject";
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.body = body;
  if (!options.content_md5.empty()) r.headers.emplace_back("Content-MD5", options.content_md5);
  if (!options.checksum_crc32c.empty()) {
    r.headers.emplace_back("x-amz-checksum-crc32c", options.checksum_crc32c);
  }
  Send<std::string>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<std::string> {
        return StripQuotes(response->Header("etag").value_or(""));
      },
      std::move(done), std::move(stop));
}

Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number, std::string_view body, const WriteOptions& options, std::stop_token stop) {
  return WaitFor<std::string>([&](Done<std::string> done) { UploadPartAsync(bucket, key, upload_id, part_number, body, options, std::move(done), stop); });
}

void S3Client::UploadPartCopyAsync(const std::string& src_bucket, const std::string& src_key, uint64_t first, uint64_t last, const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number, Done<std::string> done, std::stop_token stop) {
  S3Request r;
  r.op = "UploadPartCopy";
  r.action = "s3:PutObject";
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.headers = {
      {"x-amz-copy-source", "/" + src_bucket + "/" + net::UriEncode(src_key, true)},
      {"x-amz-copy-source-range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}};
  Send<std::string>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<std::string> {
        pugi::xml_document doc;
        FERRY_RETURN_IF_ERROR(ParseXml(response->body, "UploadPartCopy", doc));
        return StripQuotes(doc.document_element().child_value("ETag"));
      },
      std::move(done), std::move(stop));
}

Result<std::string> S3Client::UploadPartCopy(const std::string& src_bucket, const std::string& src_key, uint64_t first, uint64_t last, const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number, std::stop_token stop) {
  return WaitFor<std::string>([&](Done<std::string> done) { UploadPartCopyAsync(src_bucket, src_key, first, last, bucket, key, upload_id, part_number, std::move(done), stop); });
}

void S3Client::CompleteMultipartUploadAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, const std::vector<CompletedPart>& parts, Done<std::string> done, std::stop_token stop) {
  pugi::xml_document request_doc;
  pugi::xml_node root = request_doc.append_child("CompleteMultipartUpload");
  for (const auto& part : parts) {
    pugi::xml_node p = root.append_child("Part");
    p.append_child("PartNumber").text().set(part.part_number);
    p.append_child("ETag").text().set(("\"" + part.etag + "\"").c_str());
    if (!part.checksum_crc32c.empty()) {
      p.append_child("ChecksumCRC32C").text().set(part.checksum_crc32c.c_str());
    }
  }
  S3Request r;
  r.owned_body = ToXmlString(request_doc);
  r.op = "CompleteMultipartUpload";
  r.action = "s3:PutObject";
  r.method = "POST";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  r.headers = {{"Content-Type", "application/xml"}};
  Send<std::string>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<std::string> {
        pugi::xml_document doc;
        FERRY_RETURN_IF_ERROR(ParseXml(response->body, "CompleteMultipartUpload", doc));
        return StripQuotes(doc.document_element().child_value("ETag"));
      },
      std::move(done), std::move(stop));
}

Result<std::string> S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id, const std::vector<CompletedPart>& parts, std::stop_token stop) {
  return WaitFor<std::string>([&](Done<std::string> done) { CompleteMultipartUploadAsync(bucket, key, upload_id, parts, std::move(done), stop); });
}

void S3Client::AbortMultipartUploadAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, Done<bool> done, std::stop_token stop) {
  S3Request r;
  r.op = "AbortMultipartUpload";
  r.action = "s3:AbortMultipartUpload";
  r.method = "DELETE";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  Send<bool>(
      std::move(r), [](net::HttpResponse*) -> Result<bool> { return true; },
      std::move(done), std::move(stop));
}

Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id, std::stop_token stop) {
  return WaitFor<bool>([&](Done<bool> done) { AbortMultipartUploadAsync(bucket, key, upload_id, std::move(done), stop); }).status();
}

void S3Client::ListPartsAsync(const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number_marker, Done<ListPartsPage> done, std::stop_token stop) {
  S3Request r;
  r.op = "ListParts";
  r.action = "s3:ListMultipartUploadParts";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  if (part_number_marker > 0) {
    r.query.emplace_back("part-number-marker", std::to_string(part_number_marker));
  }
  Send<ListPartsPage>(
      std::move(r),
      [=](net::HttpResponse* response) -> Result<ListPartsPage> {
        pugi::xml_document doc;
        FERRY_RETURN_IF_ERROR(ParseXml(response->body, "ListParts", doc));
        const pugi::xml_node root = doc.document_element();
        ListPartsPage page;
        for (pugi::xml_node p = root.child("Part"); p; p = p.next_sibling("Part")) {
          page.parts.push_back({static_cast<int>(ChildU64(p, "PartNumber")), ChildU64(p, "Size"),
                                StripQuotes(ChildText(p, "ETag"))});
        }
        page.is_truncated = ChildBool(root, "IsTruncated");
        page.next_part_number_marker = static_cast<int>(ChildU64(root, "NextPartNumberMarker"));
        return page;
      },
      std::move(done), std::move(stop));
}

Result<ListPartsPage> S3Client::ListParts(const std::string& bucket, const std::string& key, const std::string& upload_id, int part_number_marker, std::stop_token stop) {
  return WaitFor<ListPartsPage>([&](Done<ListPartsPage> done) { ListPartsAsync(bucket, key, upload_id, part_number_marker, std::move(done), stop); });
}

Result<ListUploadsPage> S3Client::ListMultipartUploads(const std::string& bucket,
                                                       const std::string& prefix,
                                                       const std::string& key_marker,
                                                       const std::string& upload_id_marker,
                                                       std::stop_token stop) {
  S3Request r;
  r.op = "ListMultipartUploads";
  r.action = "s3:ListBucketMultipartUploads";
  r.bucket = bucket;
  r.query = {{"uploads", ""}, {"encoding-type", "url"}};
  if (!prefix.empty()) r.query.emplace_back("prefix", prefix);
  if (!key_marker.empty()) r.query.emplace_back("key-marker", key_marker);
  if (!upload_id_marker.empty()) r.query.emplace_back("upload-id-marker", upload_id_marker);
  auto response = Execute(std::move(r), std::move(stop));
  if (!response.ok()) return std::move(response).take_error();
  pugi::xml_document doc;
  FERRY_RETURN_IF_ERROR(ParseXml(response->body, "ListMultipartUploads", doc));
  const pugi::xml_node root = doc.document_element();
  const bool encoded = std::string_view(root.child_value("EncodingType")) == "url";
  ListUploadsPage page;
  for (pugi::xml_node u = root.child("Upload"); u; u = u.next_sibling("Upload")) {
    page.uploads.push_back(
        {ChildText(u, "Key", encoded), ChildText(u, "UploadId"), ChildText(u, "Initiated")});
  }
  page.is_truncated = ChildBool(root, "IsTruncated");
  page.next_key_marker = ChildText(root, "NextKeyMarker", encoded);
  page.next_upload_id_marker = ChildText(root, "NextUploadIdMarker");
  return page;
}

}  // namespace ferry::s3
