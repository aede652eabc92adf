// ListObjectsV2, always with encoding-type=url so that any byte in a key
// (including ones XML 1.0 cannot carry) survives the trip.
#include "s3/s3_client.h"
#include "s3/xml.h"

namespace ferry::s3 {

Result<ListObjectsPage> S3Client::ListObjectsV2(const ListObjectsRequest& request,
                                                std::stop_token stop) {
  S3Request r;
  r.op = "ListObjectsV2";
  r.action = "s3:ListBucket";
  r.bucket = request.bucket;
  r.query = {{"list-type", "2"}, {"encoding-type", "url"},
             {"max-keys", std::to_string(request.max_keys)}};
  if (!request.prefix.empty()) r.query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) r.query.emplace_back("delimiter", request.delimiter);
  if (!request.start_after.empty()) r.query.emplace_back("start-after", request.start_after);
  if (!request.continuation_token.empty()) {
    r.query.emplace_back("continuation-token", request.continuation_token);
  }
  auto response = Execute(std::move(r), std::move(stop));
  if (!response.ok()) return std::move(response).take_error();

  pugi::xml_document doc;
  FERRY_RETURN_IF_ERROR(ParseXml(response->body, "ListObjectsV2", doc));
  const pugi::xml_node root = doc.document_element();
  // Some services ignore encoding-type; trust only what the answer declares.
  const bool encoded = std::string_view(root.child_value("EncodingType")) == "url";
  ListObjectsPage page;
  for (pugi::xml_node c = root.child("Contents"); c; c = c.next_sibling("Contents")) {
    ObjectSummary o;
    o.key = ChildText(c, "Key", encoded);
    o.size = ChildU64(c, "Size");
    o.last_modified = ChildText(c, "LastModified");
    o.etag = StripQuotes(ChildText(c, "ETag"));
    o.storage_class = ChildText(c, "StorageClass");
    if (o.storage_class.empty()) o.storage_class = "STANDARD";
    page.objects.push_back(std::move(o));
  }
  for (pugi::xml_node p = root.child("CommonPrefixes"); p; p = p.next_sibling("CommonPrefixes")) {
    page.common_prefixes.push_back(ChildText(p, "Prefix", encoded));
  }
  page.is_truncated = ChildBool(root, "IsTruncated");
  page.next_continuation_token = ChildText(root, "NextContinuationToken");
  if (page.is_truncated && page.next_continuation_token.empty()) {
    return Status::Unavailable("ListObjectsV2 on s3://" + request.bucket +
                                   " returned a truncated page without a continuation token",
                               "that the endpoint is an S3-compatible service")
        .WithSide(config_.side);
  }
  return page;
}

}  // namespace ferry::s3
