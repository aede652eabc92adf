// ListingCursor: every object of a store under a prefix, in byte order, listed
// in parallel without user tuning and in bounded memory.
//
// The key space is split at the first '/'-levels that fan out (common prefixes);
// objects that sit directly on a level are yielded in place, so nothing above
// the split depth is ever lost (unlike finderDepth). Each prefix becomes a
// section walked by its own thread into a small bounded queue; sections are
// consumed in key order, so the merged stream stays sorted while up to
// `parallelism` sections list ahead.
//
// Sections are walked level by level ('/'-delimited listings merged in byte
// order), not listed flat: services backed by a file tree (SeaweedFS) list a
// folder's contents before a sibling like "a.txt" < "a/", which would break
// the merge-join. A level too large to hold is listed flat, and the order is
// checked: out-of-order keys stop the run instead of causing wrong copies or deletes.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "store/object_store.h"

namespace ferry::engine {

struct ListingOptions {
  int parallelism = 8;        // sections listed at once
  size_t queue_pages = 4;     // pages buffered per section (a page is up to 1,000 keys)
  size_t max_level_objects = 10'000;  // a level with more direct objects is listed flat
  // Folder levels walked below a section's prefix at most. S3 keys hold at most
  // 1,024 bytes, so real trees stay far below; a service that answers ever deeper
  // prefixes is stopped here with an error naming the prefix.
  int max_depth = 512;
};

class ListingCursor {
 public:
  ListingCursor(store::ObjectStore& store, std::string prefix, ListingOptions options,
                std::stop_token stop);
  ~ListingCursor();
  ListingCursor(const ListingCursor&) = delete;
  ListingCursor& operator=(const ListingCursor&) = delete;

  // The next object, or nullptr at the end or on error (then status() says which).
  // The pointer stays valid until the next call.
  const store::ObjectEntry* Next();
  Status status() const;
  uint64_t listed() const { return listed_.load(); }

 private:
  struct Section;

  void Plan();
  void Work();
  Status WalkSorted(const std::string& prefix, const store::PageSink& sink, int depth = 0);
  Status ListFlatChecked(const std::string& prefix, const store::PageSink& sink);
  void Fail(Status status);

  store::ObjectStore& store_;
  const std::string prefix_;
  const ListingOptions options_;
  std::stop_token stop_;

  std::vector<std::unique_ptr<Section>> sections_;  // in key order
  size_t consumer_section_ = 0;
  std::vector<store::ObjectEntry> current_page_;
  size_t current_index_ = 0;
  bool planned_ = false;

  std::atomic<size_t> next_to_start_{0};
  std::atomic<uint64_t> listed_{0};
  mutable Mutex status_mu_;
  Status status_ GUARDED_BY(status_mu_);
  std::atomic<bool> failed_{false};
  std::vector<std::jthread> workers_;
};

}  // namespace ferry::engine
