#include "s3/write_headers.h"

#include <gtest/gtest.h>

namespace ferry::s3 {
namespace {

TEST(WriteHeaders, EmitsOnlyWhatIsSet) {
  WriteOptions o;
  o.content.content_type = "text/plain";
  o.content.metadata = {{"mtime", "123"}};
  o.content_md5 = "abc==";
  net::Headers h;
  AddWriteHeaders(o, h);
  EXPECT_EQ(net::FindHeader(h, "content-type").value_or(""), "text/plain");
  EXPECT_EQ(net::FindHeader(h, "x-amz-meta-mtime").value_or(""), "123");
  EXPECT_EQ(net::FindHeader(h, "Content-MD5").value_or(""), "abc==");
  EXPECT_FALSE(net::FindHeader(h, "x-amz-storage-class").has_value());
  EXPECT_EQ(h.size(), 3u);
}

TEST(ObjectHead, ReadsSizeFromContentRangeTotal) {
  net::Headers h = {{"content-length", "100"},
                    {"content-range", "bytes 0-99/5000"},
                    {"etag", "\"e-2\""},
                    {"x-amz-meta-color", "blue"},
                    {"x-amz-mp-parts-count", "2"}};
  ObjectHead head = ObjectHeadFromHeaders(h);
  EXPECT_EQ(head.size, 5000u);
  EXPECT_EQ(head.etag, "e-2");
  EXPECT_EQ(head.content.metadata.at("color"), "blue");
  EXPECT_EQ(head.parts_count, 2);
}

}  // namespace
}  // namespace ferry::s3
