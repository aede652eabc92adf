#include "engine/listing_cursor.h"

#include <algorithm>

#include "core/mutex.h"

namespace ferry::engine {
namespace {

void SortLevel(store::Level& level) {
  std::sort(level.objects.begin(), level.objects.end(),
            [](const store::ObjectEntry& a, const store::ObjectEntry& b) { return a.key < b.key; });
  std::sort(level.prefixes.begin(), level.prefixes.end());
}

}  // namespace

// One contiguous run of keys: either objects already in hand (from a level
// listing) or a prefix to list flat.
struct ListingCursor::Section {
  std::vector<store::ObjectEntry> ready;  // inline objects; no listing needed
  std::string prefix;                     // listed flat when `ready` is empty
  bool is_listing = false;

  Mutex mu;
  CondVar changed;
  std::deque<std::vector<store::ObjectEntry>> pages GUARDED_BY(mu);
  bool done GUARDED_BY(mu) = false;
};

ListingCursor::ListingCursor(store::ObjectStore& store, std::string prefix,
                             ListingOptions options, std::stop_token stop)
    : store_(store), prefix_(std::move(prefix)), options_(options), stop_(std::move(stop)) {}

ListingCursor::~ListingCursor() {
  failed_ = true;  // wakes and ends the workers
  for (auto& s : sections_) {
    MutexLock lock(s->mu);
    s->changed.NotifyAll();
  }
  workers_.clear();  // joins
}

void ListingCursor::Fail(Status status) {
  {
    MutexLock lock(status_mu_);
    if (status_.ok()) status_ = std::move(status);
  }
  failed_ = true;
  for (auto& s : sections_) {
    MutexLock lock(s->mu);
    s->changed.NotifyAll();
  }
}

Status ListingCursor::status() const {
  MutexLock lock(status_mu_);
  return status_;
}

void ListingCursor::Plan() {
  planned_ = true;
  // Descend while a level holds a single prefix and nothing else ("data/2026/...").
  std::string prefix = prefix_;
  store::Level level;
  for (int depth = 0;; ++depth) {
    auto listed = store_.ListLevel(prefix, options_.max_level_objects, stop_);
    if (!listed.ok()) return Fail(std::move(listed).take_error());
    level = std::move(*listed);
    SortLevel(level);
    if (depth >= 8 || !level.objects.empty() || level.prefixes.size() != 1) break;
    prefix = level.prefixes.front();
  }
  if (level.truncated || level.prefixes.empty()) {
    // Flat: one section. (A level's objects are already in hand when small.)
    auto section = std::make_unique<Section>();
    if (!level.truncated) {
      section->ready = std::move(level.objects);
    } else {
      section->prefix = prefix;
      section->is_listing = true;
    }
    sections_.push_back(std::move(section));
  } else {
    // Objects and prefixes of one level interleave in byte order; each prefix's
    // keys form one contiguous range, so concatenating in order stays sorted.
    size_t o = 0;
    for (const auto& p : level.prefixes) {
      auto inline_run = std::make_unique<Section>();
      while (o < level.objects.size() && level.objects[o].key < p) {
        inline_run->ready.push_back(std::move(level.objects[o++]));
      }
      if (!inline_run->ready.empty()) sections_.push_back(std::move(inline_run));
      auto section = std::make_unique<Section>();
      section->prefix = p;
      section->is_listing = true;
      sections_.push_back(std::move(section));
    }
    auto tail = std::make_unique<Section>();
    while (o < level.objects.size()) tail->ready.push_back(std::move(level.objects[o++]));
    if (!tail->ready.empty()) sections_.push_back(std::move(tail));
  }
  // No more threads than sections to list: a flat bucket needs one.
  const auto listing = std::count_if(sections_.begin(), sections_.end(),
                                     [](const auto& s) { return s->is_listing; });
  const int threads = std::clamp(static_cast<int>(listing), 1, std::max(1, options_.parallelism));
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

void ListingCursor::Work() {
  for (;;) {
    // Sections start in key order, so the one the consumer waits for is always running.
    size_t index = next_to_start_.fetch_add(1);
    while (index < sections_.size() && !sections_[index]->is_listing) {
      index = next_to_start_.fetch_add(1);
    }
    if (index >= sections_.size() || failed_) return;
    Section& s = *sections_[index];
    Status st = WalkSorted(
        s.prefix,
        [&](std::vector<store::ObjectEntry>&& page) {
          MutexLock lock(s.mu);
          s.changed.Wait(lock, [&]() REQUIRES(s.mu) {
            return s.pages.size() < options_.queue_pages || failed_ || stop_.stop_requested();
          });
          if (failed_) return Status::Cancelled();
          if (stop_.stop_requested()) return Status::Cancelled();
          s.pages.push_back(std::move(page));
          s.changed.NotifyAll();
          return Status::OK();
        });
    if (!st.ok()) {
      if (!failed_) Fail(std::move(st));
      return;
    }
    MutexLock lock(s.mu);
    s.done = true;
    s.changed.NotifyAll();
  }
}

Status ListingCursor::WalkSorted(const std::string& prefix, const store::PageSink& sink,
                                 int depth) {
  if (stop_.stop_requested()) return Status::Cancelled();
  if (depth > options_.max_depth) {
    return Status(Code::kFailedPrecondition,
                  store_.Describe() + " lists folders more than " +
                      std::to_string(options_.max_depth) + " levels deep under '" + prefix + "'",
                  "the endpoint: a service that answers ever deeper prefixes would be listed "
                  "forever; if the folders are real, list that prefix as its own job");
  }
  auto listed = store_.ListLevel(prefix, options_.max_level_objects, stop_);
  if (!listed.ok()) return std::move(listed).take_error();
  if (listed->truncated) return ListFlatChecked(prefix, sink);
  store::Level& level = *listed;
  SortLevel(level);
  // An object below a prefix in byte order sorts below every key inside it.
  std::vector<store::ObjectEntry> page;
  size_t o = 0;
  for (const auto& p : level.prefixes) {
    // Each sub-prefix must be longer than this one and start with it, or the walk
    // would not move forward (a service answering its own prefix back).
    if (p.size() <= prefix.size() || !p.starts_with(prefix)) {
      return Status(Code::kFailedPrecondition,
                    store_.Describe() + " answered the folder '" + p + "' when listing '" +
                        prefix + "', which does not lie inside it",
                    "the endpoint: it does not list common prefixes as S3 does");
    }
    while (o < level.objects.size() && level.objects[o].key < p) {
      page.push_back(std::move(level.objects[o++]));
    }
    if (!page.empty()) {
      FERRY_RETURN_IF_ERROR(sink(std::move(page)));
      page.clear();
    }
    FERRY_RETURN_IF_ERROR(WalkSorted(p, sink, depth + 1));
  }
  while (o < level.objects.size()) page.push_back(std::move(level.objects[o++]));
  if (!page.empty()) return sink(std::move(page));
  return Status::OK();
}

Status ListingCursor::ListFlatChecked(const std::string& prefix, const store::PageSink& sink) {
  std::string last;
  return store_.List(
      {.prefix = prefix},
      [&](std::vector<store::ObjectEntry>&& page) {
        for (const auto& e : page) {
          if (!last.empty() && e.key <= last) {
            return Status(Code::kFailedPrecondition,
                          store_.Describe() + " lists keys out of byte order under '" + prefix +
                              "' ('" + e.key + "' after '" + last +
                              "'), so they cannot be compared safely",
                          "split the job with --prefix-list into smaller folders");
          }
          last = e.key;
        }
        return sink(std::move(page));
      },
      stop_);
}

const store::ObjectEntry* ListingCursor::Next() {
  if (!planned_) Plan();
  for (;;) {
    if (current_index_ < current_page_.size()) {
      ++listed_;
      return &current_page_[current_index_++];
    }
    if (failed_ || consumer_section_ >= sections_.size()) return nullptr;
    Section& s = *sections_[consumer_section_];
    if (!s.is_listing) {
      current_page_ = std::move(s.ready);
      current_index_ = 0;
      ++consumer_section_;
      continue;
    }
    MutexLock lock(s.mu);
    s.changed.Wait(lock, [&]() REQUIRES(s.mu) { return !s.pages.empty() || s.done || failed_; });
    if (!s.pages.empty()) {
      current_page_ = std::move(s.pages.front());
      s.pages.pop_front();
      current_index_ = 0;
      s.changed.NotifyAll();
    } else if (s.done) {
      ++consumer_section_;
    } else {
      return nullptr;  // failed
    }
  }
}

}  // namespace ferry::engine
