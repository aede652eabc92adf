#include "s3/xml.h"

#include <gtest/gtest.h>

namespace ferry::s3 {
namespace {

TEST(Xml, ChildTextDecodesUrlEncodedKeys) {
  pugi::xml_document doc;
  ASSERT_TRUE(
      ParseXml("<R><Key>a%20b%2Bc/%E6%97%A5+x</Key><N>42</N><T>true</T></R>", "Op", doc).ok());
  auto r = doc.child("R");
  EXPECT_EQ(ChildText(r, "Key", true), "a b+c/\xE6\x97\xA5 x");
  EXPECT_EQ(ChildText(r, "Key", false), "a%20b%2Bc/%E6%97%A5+x");
  EXPECT_EQ(ChildU64(r, "N"), 42u);
  EXPECT_TRUE(ChildBool(r, "T"));
  EXPECT_FALSE(ChildBool(r, "Missing"));
}

TEST(Xml, MalformedBodyNamesTheOperation) {
  pugi::xml_document doc;
  Status s = ParseXml("<R><unclosed>", "ListObjectsV2", doc);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ListObjectsV2"), std::string::npos);
}

TEST(Xml, StripQuotesHandlesBothForms) {
  EXPECT_EQ(StripQuotes("\"abc\""), "abc");
  EXPECT_EQ(StripQuotes("&quot;abc&quot;"), "abc");
  EXPECT_EQ(StripQuotes("abc-3"), "abc-3");
}

TEST(Xml, ToXmlStringEscapesKeys) {
  pugi::xml_document doc;
  doc.append_child("Key").text().set("a<&>\"b");
  EXPECT_EQ(ToXmlString(doc), "<?xml version=\"1.0\"?><Key>a&lt;&amp;&gt;\"b</Key>");
}

}  // namespace
}  // namespace ferry::s3
