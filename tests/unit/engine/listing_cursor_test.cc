#include "engine/listing_cursor.h"

#include <gtest/gtest.h>

#include "unit/engine/memory_store.h"

namespace ferry::engine {
namespace {

using testing::MemoryStore;

std::vector<std::string> Drain(ListingCursor& cursor) {
  std::vector<std::string> keys;
  while (const store::ObjectEntry* e = cursor.Next()) keys.push_back(e->key);
  return keys;
}

const std::vector<std::string> kKeys = {"a.txt", "a/1", "a/b.c", "a/b/2", "a0",
                                        "b",     "z/y/x", "z/y/x/deep"};

// A service that answers every folder with a deeper one (or with itself).
class EndlessFolders final : public ferry::testing::UnsupportedStore {
 public:
  explicit EndlessFolders(bool answer_itself) : answer_itself_(answer_itself) {}
  Result<store::Level> ListLevel(const std::string& prefix, size_t, std::stop_token) override {
    ++calls;
    store::Level level;
    level.prefixes.push_back(answer_itself_ && !prefix.empty() ? prefix : prefix + "d/");
    return level;
  }
  int calls = 0;

 private:
  bool answer_itself_;
};

TEST(ListingCursor, EverDeeperFoldersStopAtTheDepthBoundNamingThePrefix) {
  EndlessFolders store(/*answer_itself=*/false);
  ListingCursor cursor(store, "", {.max_depth = 50}, {});
  EXPECT_TRUE(Drain(cursor).empty());
  EXPECT_EQ(cursor.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(cursor.status().message().find("more than 50 levels deep under 'd/d/d/"),
            std::string::npos)
      << cursor.status().ToString();
  EXPECT_LT(store.calls, 70);
}

TEST(ListingCursor, AFolderAnsweredWithItselfIsAnError) {
  EndlessFolders store(/*answer_itself=*/true);
  ListingCursor cursor(store, "", {}, {});
  EXPECT_TRUE(Drain(cursor).empty());
  EXPECT_EQ(cursor.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(cursor.status().message().find("does not lie inside it"), std::string::npos)
      << cursor.status().ToString();
}

TEST(ListingCursor, ByteOrderFromAByteOrderedStore) {
  MemoryStore store;
  for (const auto& k : kKeys) store.Add(k, 1);
  ListingCursor cursor(store, "", {.parallelism = 3}, {});
  EXPECT_EQ(Drain(cursor), kKeys);
  EXPECT_TRUE(cursor.status().ok());
  EXPECT_EQ(cursor.listed(), kKeys.size());
}

TEST(ListingCursor, ByteOrderFromAFolderFirstStore) {
  MemoryStore store(/*folder_first=*/true);
  for (const auto& k : kKeys) store.Add(k, 1);
  ListingCursor cursor(store, "", {.parallelism = 2}, {});
  EXPECT_EQ(Drain(cursor), kKeys);
}

TEST(ListingCursor, NothingAboveTheSplitIsLost) {
  // The FAQ's finderDepth loses "pic.jpg" and "Jan/pic.jpg"; nothing here may.
  MemoryStore store;
  const std::vector<std::string> keys = {"Jan/01/pic1.jpg", "Jan/33/x.jpg", "Jan/pic.jpg",
                                         "pic.jpg"};
  for (const auto& k : keys) store.Add(k, 1);
  ListingCursor cursor(store, "", {}, {});
  EXPECT_EQ(Drain(cursor), keys);
}

TEST(ListingCursor, LargeLevelIsListedFlatAndOrderIsChecked) {
  MemoryStore ordered;
  MemoryStore folder_first(true);
  for (auto* s : {&ordered, &folder_first}) {
    for (int i = 0; i < 30; ++i) s->Add("f." + std::to_string(100 + i), 1);
    s->Add("f/inner", 1);  // byte order: after every "f.N"; folder-first: before them
  }
  ListingCursor good(ordered, "", {.max_level_objects = 10}, {});
  EXPECT_EQ(Drain(good).size(), 31u);
  EXPECT_TRUE(good.status().ok());
  ListingCursor bad(folder_first, "", {.max_level_objects = 10}, {});
  Drain(bad);
  EXPECT_EQ(bad.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(bad.status().message().find("out of byte order"), std::string::npos);
}

TEST(ListingCursor, StopEndsTheListing) {
  MemoryStore store;
  for (int i = 0; i < 100; ++i) store.Add("d" + std::to_string(i) + "/k", 1);
  std::stop_source stop;
  stop.request_stop();
  ListingCursor cursor(store, "", {}, stop.get_token());
  Drain(cursor);
  EXPECT_FALSE(cursor.status().ok());
}

}  // namespace
}  // namespace ferry::engine
