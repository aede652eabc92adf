// ListObjectVersions: versions and delete markers, in key order then newest first.
#include "s3/s3_client.h"
#include "s3/xml.h"

namespace ferry::s3 {

Result<ListVersionsPage> S3Client::ListObjectVersions(const ListVersionsRequest& request,
                                                      std::stop_token stop) {
  S3Request r;
  r.op = "ListObjectVersions";
  r.action = "s3:ListBucketVersions";
  r.bucket = request.bucket;
  r.query = {{"versions", ""}, {"encoding-type", "url"},
             {"max-keys", std::to_string(request.max_keys)}};
  if (!request.prefix.empty()) r.query.emplace_back("prefix", request.prefix);
  if (!request.key_marker.empty()) r.query.emplace_back("key-marker", request.key_marker);
  if (!request.version_id_marker.empty()) {
    r.query.emplace_back("version-id-marker", request.version_id_marker);
  }
  auto response = Execute(std::move(r), std::move(stop));
  if (!response.ok()) return std::move(response).take_error();

  pugi::xml_document doc;
  FERRY_RETURN_IF_ERROR(ParseXml(response->body, "ListObjectVersions", doc));
  const pugi::xml_node root = doc.document_element();
  const bool encoded = std::string_view(root.child_value("EncodingType")) == "url";
  ListVersionsPage page;
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    const std::string_view name = n.name();
    if (name != "Version" && name != "DeleteMarker") continue;
    ObjectVersion v;
    v.key = ChildText(n, "Key", encoded);
    v.version_id = ChildText(n, "VersionId");
    v.is_latest = ChildBool(n, "IsLatest");
    v.is_delete_marker = name == "DeleteMarker";
    v.size = ChildU64(n, "Size");
    v.last_modified = ChildText(n, "LastModified");
    v.etag = StripQuotes(ChildText(n, "ETag"));
    v.storage_class = ChildText(n, "StorageClass");
    page.versions.push_back(std::move(v));
  }
  page.is_truncated = ChildBool(root, "IsTruncated");
  page.next_key_marker = ChildText(root, "NextKeyMarker", encoded);
  page.next_version_id_marker = ChildText(root, "NextVersionIdMarker");
  return page;
}

}  // namespace ferry::s3
