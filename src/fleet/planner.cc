#include "fleet/planner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "core/md5.h"
#include "core/mutex.h"
#include "engine/delete_guard.h"
#include "engine/delete_spool.h"
#include "engine/differ.h"
#include "engine/listing_cursor.h"
#include "engine/part_plan.h"
#include "engine/report_writer.h"
#include "fleet/work_item.h"
#include "queue/batch_sender.h"

namespace ferry::fleet {
namespace {

using Clock = std::chrono::steady_clock;

// What one item may weigh in a message (SQS takes 256 KiB a message and a batch).
constexpr size_t kMaxItemBytes = 200 * 1024;
constexpr size_t kMaxDeletesPerItem = 1000;  // one DeleteObjects call
constexpr int kPollSeconds = 5;

std::string RandomHex(int bytes) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng() & 0xff);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The last key an item covers, in listing order ("" for deletes).
std::string LastKey(const WorkItem& item) {
  if (item.kind == ItemKind::kParts) return item.part.key;
  if (item.kind == ItemKind::kObjects && !item.objects.empty()) {
    return item.objects.back().source.key;
  }
  return "";
}

// Counts what the verifying compare finds and keeps the first 100 for the summary.
class DifferenceCollector final : public engine::RunObserver {
 public:
  DifferenceCollector(bool deletes, std::vector<std::string>& first)
      : deletes_(deletes), first_(first) {}
  void OnDifference(const engine::Difference& d) override {
    if (d.is_delete && !deletes_) return;
    ++count_;
    if (first_.size() < 100) first_.push_back(d.key + ": " + d.what);
  }
  uint64_t count() const { return count_; }

 private:
  const bool deletes_;  // a destination-only key differs only for a sync that deletes it
  std::vector<std::string>& first_;
  uint64_t count_ = 0;
};

const char* KindName(ItemKind kind) {
  return kind == ItemKind::kObjects ? "objects" : kind == ItemKind::kDeletes ? "deletes" : "parts";
}

class Planner {
 public:
  Planner(store::ObjectStore& source, store::ObjectStore& destination,
          const engine::RunOptions& options, const nlohmann::json& spec, queue::SqsClient& sqs,
          state::FleetStore& state, const PlannerOptions& planner, std::stop_token stop,
          engine::RunCounters& counters)
      : source_(source),
        destination_(destination),
        options_(options),
        spec_(spec),
        sqs_(sqs),
        state_(state),
        p_(planner),
        stop_(std::move(stop)),
        counters_(counters) {}

  Result<PlannerSummary> Run();

 private:
  Status Plan();
  // Sends the items ready so far and records them; `last_key` is then the resume point.
  Status Flush(const std::string& last_key);
  // A new item of `kind` with this run's header.
  WorkItem NewItem(ItemKind kind);
  void CloseObjectsItem();
  // Part items for a large multipart source; false when it goes as an ordinary object.
  Result<bool> PlanLarge(const store::ObjectEntry& object);
  Status PlanDeletes(engine::DeleteSpool& deletes, uint64_t listed_source,
                     uint64_t listed_destination);

  void ResultsLoop();
  void Apply(const ItemResult& result);
  void CheckUpload(const std::string& key);
  void PeekDeadLetters();
  Status Wait();
  void AbortOpenUploads();
  void PrintProgress(const state::FleetTotals& t, bool force);

  store::ObjectStore& source_;
  store::ObjectStore& destination_;
  const engine::RunOptions& options_;
  const nlohmann::json& spec_;
  queue::SqsClient& sqs_;
  state::FleetStore& state_;
  const PlannerOptions& p_;
  std::stop_token stop_;
  engine::RunCounters& counters_;

  PlannerSummary summary_;
  std::string run_id_;
  WorkItem current_;                 // the objects item being filled
  size_t current_bytes_ = 0;         // its encoded size, roughly
  std::vector<WorkItem> ready_;      // closed, not yet sent
  size_t ready_bytes_ = 0;

  Mutex mu_;
  CondVar changed_;
  bool results_done_ GUARDED_BY(mu_) = false;
  Status fatal_ GUARDED_BY(mu_);
  Clock::time_point last_progress_ = Clock::now();
};

WorkItem Planner::NewItem(ItemKind kind) {
  WorkItem item;
  item.run = run_id_;
  item.id = RandomHex(8);
  item.kind = kind;
  item.results_url = p_.queues.results_url;
  item.spec = spec_;
  return item;
}

void Planner::CloseObjectsItem() {
  if (current_.objects.empty()) return;
  ready_bytes_ += current_bytes_;
  ready_.push_back(std::move(current_));
  current_ = NewItem(ItemKind::kObjects);
  current_bytes_ = 0;
}

Status Planner::Flush(const std::string& last_key) {
  if (ready_.empty()) return Status::OK();
  std::vector<std::string> bodies;
  std::vector<state::FleetItemRecord> records;
  for (const WorkItem& item : ready_) {
    bodies.push_back(EncodeItem(item));
    state::FleetItemRecord r;
    r.item_id = item.id;
    r.kind = KindName(item.kind);
    r.objects = item.kind == ItemKind::kDeletes ? item.deletes.size() : item.objects.size();
    r.bytes = item.bytes();
    if (item.kind == ItemKind::kParts) {
      r.objects = 0;
      r.upload_key = item.part.key;
    }
    r.state = state::ItemState::kPending;
    records.push_back(std::move(r));
    if (item.kind == ItemKind::kParts) ++summary_.part_items;
    if (item.kind == ItemKind::kDeletes) ++summary_.delete_items;
  }
  // Recorded first, as pending: a result may come back before SendAll returns.
  // Items still pending when a planner restarts are forgotten, and their
  // objects planned again (the resume point has not moved past them).
  FERRY_RETURN_IF_ERROR(state_.AddItems(run_id_, records));
  FERRY_RETURN_IF_ERROR(queue::SendAll(sqs_, p_.queues.work_url, bodies, stop_));
  FERRY_RETURN_IF_ERROR(state_.MarkSent(run_id_));
  if (!last_key.empty()) FERRY_RETURN_IF_ERROR(state_.SetResumeKey(p_.run_name, last_key));
  summary_.items += ready_.size();
  ready_.clear();
  ready_bytes_ = 0;
  changed_.NotifyAll();
  return Status::OK();
}

Result<bool> Planner::PlanLarge(const store::ObjectEntry& object) {
  // The upload of an earlier attempt of this run (killed after it began it) is kept.
  auto known = state_.GetUpload(run_id_, object.key);
  if (!known.ok()) return std::move(known).take_error();
  auto layout = engine::LearnLayout(source_, object.key, object.size, object.etag, stop_);
  if (!layout.ok()) {
    if (layout.error().code() == Code::kNotSupported) return false;
    return std::move(layout).take_error();
  }
  if (!engine::FitsStore(*layout, object.size, destination_)) return false;
  std::string upload_id;
  if (known->has_value() && (*known)->etag == object.etag && (*known)->size == object.size &&
      (*known)->state == "open") {
    upload_id = (*known)->upload_id;
  } else {
    auto head = source_.Head(object.key, stop_);
    if (!head.ok()) return std::move(head).take_error();
    if (head->etag != object.etag) return false;  // changed since listed: a whole-object item
    store::ObjectMeta meta;
    meta.size = head->size;
    meta.mtime_ms = head->mtime_ms;
    if (options_.transfer.copy_metadata) {
      meta.content = head->content;
      meta.content.metadata.erase(store::kSourceEtagMetadata);
    }
    store::WriteSettings settings = options_.transfer.settings;
    if (options_.transfer.copy_tags) {
      auto tags = source_.GetTagging(object.key, stop_);
      if (tags.ok()) settings.tagging = *tags;
    }
    auto begun = destination_.BeginMultipart(object.key, meta, settings, stop_);
    if (!begun.ok()) return std::move(begun).take_error();
    upload_id = *begun;
    FERRY_RETURN_IF_ERROR(state_.AddUpload(
        run_id_, {object.key, upload_id, object.size, object.etag, layout->parts, "open"}));
  }
  // Ranges of parts of about part_item_bytes each.
  int first = 1;
  while (first <= layout->parts) {
    int last = first;
    uint64_t bytes = layout->Length(first, object.size);
    while (last < layout->parts &&
           bytes + layout->Length(last + 1, object.size) <= p_.part_item_bytes) {
      ++last;
      bytes += layout->Length(last, object.size);
    }
    WorkItem item = NewItem(ItemKind::kParts);
    item.part = {object.key, upload_id, object.size, object.etag, object.mtime_ms, *layout,
                 first, last};
    ready_bytes_ += 512 + (layout->starts.size() * 12);
    ready_.push_back(std::move(item));
    first = last + 1;
  }
  counters_.to_copy += 1;
  counters_.bytes_to_copy += object.size;
  return true;
}

Status Planner::PlanDeletes(engine::DeleteSpool& deletes, uint64_t listed_source,
                            uint64_t listed_destination) {
  if (deletes.size() == 0) return Status::OK();
  summary_.delete_refusal = engine::DeleteRefusal(deletes.size(), listed_source, listed_destination,
                                          options_, source_, destination_);
  if (!summary_.delete_refusal.ok()) {
    summary_.deletes_refused = deletes.size();
    return Status::OK();
  }
  return deletes.ForEachBatch(kMaxDeletesPerItem,
                              [&](const std::vector<engine::SpooledDelete>& batch) {
                                WorkItem item = NewItem(ItemKind::kDeletes);
                                size_t bytes = 512;
                                for (const auto& d : batch) {
                                  item.deletes.push_back(d.key);
                                  bytes += d.key.size() + 8;
                                }
                                ready_bytes_ += bytes;
                                ready_.push_back(std::move(item));
                                if (ready_.size() >= 10 || ready_bytes_ >= kMaxItemBytes) {
                                  return Flush("");
                                }
                                return Status::OK();
                              });
}

Status Planner::Plan() {
  const auto run = state_.FindRun(p_.run_name);
  if (!run.ok()) return run.status();
  const bool resume_set = run->has_value() && (*run)->resume_set;
  const std::string resume_key = resume_set ? (*run)->resume_key : "";
  engine::ListingOptions listing{.parallelism = options_.list_parallelism};
  engine::ListingCursor src(source_, "", listing, stop_);
  engine::ListingCursor dst(destination_, "", listing, stop_);
  engine::KeyFilter filter = options_.filter;
  if (!destination_.StoresFolderMarkers()) filter.SkipFolderMarkers();
  engine::Differ differ(src, dst, options_.compare, filter);
  engine::DeleteSpool deletes;
  current_ = NewItem(ItemKind::kObjects);
  while (!stop_.stop_requested()) {
    std::optional<engine::Decision> d = differ.Next();
    counters_.listed_source = src.listed();
    if (!d) break;
    switch (d->action) {
      case engine::Action::kSkip:
        ++summary_.matched;
        break;
      case engine::Action::kDelete:
        if (options_.mode == engine::RunMode::kSync && options_.delete_extra) {
          FERRY_RETURN_IF_ERROR(deletes.Add(d->destination.key, d->destination.size));
        }
        break;
      case engine::Action::kCopy:
      case engine::Action::kCheck: {
        const store::ObjectEntry& o = d->source;
        if (resume_set && o.key <= resume_key) break;  // sent before the planner restarted
        bool large = false;
        if (o.size >= p_.part_threshold && engine::EtagPartCount(o.etag) > 0) {
          CloseObjectsItem();
          auto planned = PlanLarge(o);
          if (!planned.ok()) return planned.status();
          large = *planned;
        }
        if (!large) {
          ItemObject object{o, {}};
          if (d->action == engine::Action::kCheck) object.destination = d->destination;
          const size_t size = EncodedSize(object);
          if (!current_.objects.empty() &&
              (current_.objects.size() >= static_cast<size_t>(p_.item_objects) ||
               current_.bytes() + o.size > p_.item_bytes ||
               current_bytes_ + size > kMaxItemBytes)) {
            CloseObjectsItem();
          }
          current_.objects.push_back(std::move(object));
          current_bytes_ += size;
          counters_.to_copy += 1;
          counters_.bytes_to_copy += o.size;
        }
        break;
      }
    }
    if (ready_.size() >= 10 || ready_bytes_ >= kMaxItemBytes) {
      // Everything up to the last key of the items sent is planned; the keys
      // of the item still filling are not.
      FERRY_RETURN_IF_ERROR(Flush(LastKey(ready_.back())));
    }
  }
  counters_.listing_done = true;
  if (stop_.stop_requested()) return Status::Cancelled("stopped");
  FERRY_RETURN_IF_ERROR(src.status());
  FERRY_RETURN_IF_ERROR(dst.status());
  CloseObjectsItem();
  FERRY_RETURN_IF_ERROR(Flush(ready_.empty() ? "" : LastKey(ready_.back())));
  summary_.listed_source = src.listed();
  summary_.listed_destination = dst.listed();
  FERRY_RETURN_IF_ERROR(PlanDeletes(deletes, src.listed(), dst.listed()));
  FERRY_RETURN_IF_ERROR(Flush(""));
  return state_.SetPlanned(p_.run_name);
}

void Planner::Apply(const ItemResult& r) {
  auto item = state_.GetItem(run_id_, r.item);
  if (!item.ok() || !item->has_value()) return;  // not this planner's (or not recorded yet)
  state::FleetItemRecord rec = **item;
  if (rec.state == state::ItemState::kDone || rec.state == state::ItemState::kDead) {
    return;  // a duplicate: already settled
  }
  rec.copied += r.copied;
  rec.same += r.same;
  rec.deleted += r.deleted;
  rec.bytes_done += r.bytes;
  counters_.copied += r.copied;
  counters_.transfer.bytes_done += r.bytes;
  if (r.done) {
    rec.state = state::ItemState::kDone;
  } else if (r.final) {
    rec.state = state::ItemState::kDead;
    for (const auto& f : r.failures) {
      const std::string key = f.key.empty() ? "(item " + r.item + ")" : f.key;
      (void)state_.AddFailure(run_id_, key, f.attempts,
                              f.error + " (item " + r.item + " went to the dead-letter queue "
                                        "after " + std::to_string(r.receive) + " receives)");
      ++counters_.failed;
    }
  }
  if (Status st = state_.UpdateItem(run_id_, rec); !st.ok()) {
    spdlog::error("{}", st.ToString());
    return;
  }
  if (rec.kind == "parts" && (rec.state == state::ItemState::kDone ||
                              rec.state == state::ItemState::kDead)) {
    CheckUpload(rec.upload_key);
  }
  changed_.NotifyAll();
}

void Planner::CheckUpload(const std::string& key) {
  auto items = state_.ItemsOfUpload(run_id_, key);
  auto upload = state_.GetUpload(run_id_, key);
  if (!items.ok() || !upload.ok() || !upload->has_value() || (*upload)->state != "open") return;
  const state::FleetUploadRecord& u = **upload;
  bool dead = false;
  for (const auto& i : *items) {
    if (i.state == state::ItemState::kSent || i.state == state::ItemState::kPending) {
      return;  // parts still to come
    }
    dead |= i.state == state::ItemState::kDead;
  }
  auto fail = [&](const std::string& why) {
    (void)destination_.AbortMultipart(key, u.upload_id, stop_);
    (void)state_.SetUploadState(run_id_, key, "aborted");
    (void)state_.AddFailure(run_id_, key, 1, why);
    ++counters_.failed;
    spdlog::warn("'{}': {}", key, why);
  };
  if (dead) return fail("part items of this object went to the dead-letter queue");
  // Every part, as the destination lists it, must make the source's ETag.
  auto parts = destination_.ListUploadedParts(key, u.upload_id, stop_);
  if (!parts.ok()) return fail("listing its uploaded parts: " + parts.error().ToString());
  std::sort(parts->begin(), parts->end(),
            [](const auto& a, const auto& b) { return a.part_number < b.part_number; });
  uint64_t total = 0;
  std::string digests;
  bool complete = static_cast<int>(parts->size()) == u.parts;
  for (size_t i = 0; complete && i < parts->size(); ++i) {
    const auto& part = (*parts)[i];
    complete = part.part_number == static_cast<int>(i) + 1;
    total += part.size;
    digests += Md5::Unhex(part.etag);
  }
  if (!complete || total != u.size) {
    return fail("the destination lists " + std::to_string(parts->size()) + " parts of " +
                std::to_string(u.parts) + " (" + std::to_string(total) + " bytes of " +
                std::to_string(u.size) + ")");
  }
  const std::string expected = engine::MultipartEtag(digests, u.parts);
  const bool provable = destination_.HasMd5Etags() && options_.transfer.settings.sse != "aws:kms";
  if (provable && expected != u.etag) {
    return fail("its parts make ETag " + expected + ", the source's is " + u.etag +
                " (the source changed during the run?)");
  }
  auto etag = destination_.CompleteMultipart(key, u.upload_id, *parts, stop_);
  if (!etag.ok()) return fail("completing its upload: " + etag.error().ToString());
  if (provable && *etag != u.etag) {
    (void)state_.SetUploadState(run_id_, key, "completed");
    (void)state_.AddFailure(run_id_, key, 1,
                            "completed with ETag " + *etag + ", the source's is " + u.etag);
    ++counters_.failed;
    return;
  }
  (void)state_.SetUploadState(run_id_, key, "completed");
  ++counters_.copied;
  spdlog::info("'{}' completed from {} parts", key, u.parts);
}

void Planner::ResultsLoop() {
  int errors = 0;
  while (true) {
    {
      MutexLock lock(mu_);
      if (results_done_) return;
    }
    // Results are applied within milliseconds; a planner killed before it
    // deleted some leaves them hidden only briefly for the one that resumes.
    auto messages = sqs_.ReceiveMessage(p_.queues.results_url,
                                        {.max_messages = 10, .wait_seconds = kPollSeconds,
                                         .visibility_timeout = 10});
    if (!messages.ok()) {
      if (messages.error().code() == Code::kUnauthenticated ||
          messages.error().code() == Code::kNotFound ||
          messages.error().code() == Code::kPermissionDenied) {
        MutexLock lock(mu_);
        fatal_ = std::move(messages).take_error().Context("reading results");
        changed_.NotifyAll();
        return;
      }
      spdlog::warn("reading results failed, trying again: {}", messages.error().ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * std::min(++errors, 25)));
      continue;
    }
    errors = 0;
    std::vector<queue::ReceiptEntry> processed;
    for (const auto& m : *messages) {
      auto r = DecodeResult(m.body);
      if (r.ok() && r->run != run_id_) continue;  // another planner's: left for it
      if (r.ok()) Apply(*r);
      processed.push_back({std::to_string(processed.size()), m.receipt_handle, 0});
    }
    if (!processed.empty()) {
      auto deleted = sqs_.DeleteMessageBatch(p_.queues.results_url, processed);
      if (!deleted.ok()) spdlog::warn("deleting results: {}", deleted.error().ToString());
    }
  }
}

void Planner::PeekDeadLetters() {
  if (p_.queues.dlq_url.empty()) return;
  // Messages stay in the dead-letter queue for the operator: only read here.
  for (int round = 0; round < 10; ++round) {
    auto messages = sqs_.ReceiveMessage(p_.queues.dlq_url,
                                        {.max_messages = 10, .wait_seconds = 0,
                                         .visibility_timeout = 20});
    if (!messages.ok() || messages->empty()) return;
    for (const auto& m : *messages) {
      auto item = DecodeItem(m.body);
      if (!item.ok() || item->run != run_id_) continue;
      auto rec = state_.GetItem(run_id_, item->id);
      if (!rec.ok() || !rec->has_value() || (*rec)->state == state::ItemState::kDone ||
          (*rec)->state == state::ItemState::kDead) {
        continue;
      }
      state::FleetItemRecord r = **rec;
      r.state = state::ItemState::kDead;
      (void)state_.UpdateItem(run_id_, r);
      const std::string why = "item " + item->id + " is in the dead-letter queue after " +
                              std::to_string(m.receive_count) +
                              " receives without a result (its workers stopped or died)";
      if (item->kind == ItemKind::kObjects) {
        for (const auto& o : item->objects) {
          (void)state_.AddFailure(run_id_, o.source.key, 0, why);
          ++counters_.failed;
        }
      } else if (item->kind == ItemKind::kDeletes) {
        for (const auto& k : item->deletes) (void)state_.AddFailure(run_id_, k, 0, why);
      } else {
        CheckUpload(item->part.key);
      }
      spdlog::warn("{}", why);
    }
  }
}

void Planner::PrintProgress(const state::FleetTotals& t, bool force) {
  const auto now = Clock::now();
  if (p_.progress == engine::ProgressStyle::kOff) return;
  if (!force && now - last_progress_ < std::chrono::seconds(10)) return;
  last_progress_ = now;
  std::fprintf(stderr,
               "fleet: items %llu/%llu done, %llu in the dead-letter queue · copied %llu "
               "(%llu bytes) · identical %llu · deleted %llu · failed %llu\n",
               static_cast<unsigned long long>(t.done), static_cast<unsigned long long>(t.items),
               static_cast<unsigned long long>(t.dead),
               static_cast<unsigned long long>(t.copied + t.uploads_completed),
               static_cast<unsigned long long>(t.bytes_done),
               static_cast<unsigned long long>(t.same),
               static_cast<unsigned long long>(t.deleted),
               static_cast<unsigned long long>(counters_.failed.load()));
}

Status Planner::Wait() {
  auto last_peek = Clock::now();
  while (true) {
    auto t = state_.Totals(run_id_);
    if (!t.ok()) return t.status();
    PrintProgress(*t, false);
    if (t->done + t->dead >= t->items && t->uploads_open == 0) {
      PrintProgress(*t, true);
      return Status::OK();
    }
    if (stop_.stop_requested()) return Status::Cancelled("stopped");
    {
      MutexLock lock(mu_);
      if (!fatal_.ok()) return fatal_;
      changed_.WaitFor(lock, std::chrono::seconds(1));
    }
    if (Clock::now() - last_peek > std::chrono::seconds(15)) {
      PeekDeadLetters();
      last_peek = Clock::now();
    }
  }
}

void Planner::AbortOpenUploads() {
  auto uploads = state_.Uploads(run_id_);
  if (!uploads.ok()) return;
  for (const auto& u : *uploads) {
    if (u.state != "open") continue;
    Status st = destination_.AbortMultipart(u.key, u.upload_id, {});
    if (st.ok() || st.code() == Code::kNotFound) {
      (void)state_.SetUploadState(run_id_, u.key, "aborted");
    } else {
      spdlog::error("the multipart upload of '{}' could not be aborted: {}", u.key,
                    st.ToString());
    }
  }
}

Result<PlannerSummary> Planner::Run() {
  const auto started = Clock::now();
  FERRY_RETURN_IF_ERROR(source_.Probe(stop_));
  FERRY_RETURN_IF_ERROR(destination_.PrepareDestination(stop_));
  auto run = state_.FindRun(p_.run_name);
  if (!run.ok()) return run.status();
  if (run->has_value()) {
    run_id_ = (*run)->run_id;
    summary_.resumed = true;
    FERRY_RETURN_IF_ERROR(state_.ForgetPending(run_id_));
    spdlog::warn("resuming fleet run {} ({})", run_id_,
                 (*run)->planned ? "every item was sent" : "planning continues");
  } else {
    run_id_ = RandomHex(8);
    FERRY_RETURN_IF_ERROR(state_.StartRun(p_.run_name, run_id_));
  }
  summary_.run_id = run_id_;
  std::thread results([this] { ResultsLoop(); });
  auto finish_results = [&] {
    {
      MutexLock lock(mu_);
      results_done_ = true;
    }
    results.join();
  };
  Status st;
  if (!run->has_value() || !(*run)->planned) st = Plan();
  if (st.ok()) st = Wait();
  finish_results();
  if (!st.ok()) {
    if (st.code() == Code::kCancelled && p_.abort_on_stop && !p_.abort_on_stop()) {
      return st;  // kept as it is, to resume
    }
    // Stopped or failed: what was begun is aborted, and the next command starts over.
    AbortOpenUploads();
    (void)state_.FinishRun(p_.run_name, st.code() == Code::kCancelled ? "stopped" : "failed");
    return st;
  }
  auto totals = state_.Totals(run_id_);
  if (!totals.ok()) return totals.status();
  summary_.copied = totals->copied + totals->uploads_completed;
  summary_.same = totals->same;
  summary_.deleted = totals->deleted;
  summary_.bytes = totals->bytes_done;
  summary_.dead_items = totals->dead;
  summary_.items = std::max(summary_.items, totals->items);
  auto failed = state_.FailureCount(run_id_);
  if (failed.ok()) summary_.failed = *failed;
  auto failures = state_.Failures(run_id_, 1000);
  if (failures.ok()) {
    for (auto& [key, attempts, error] : *failures) summary_.failures.push_back({key, attempts, error});
  }
  if (p_.verify) {
    // The verifying compare: as `ferry check` on the same two sides.
    engine::RunOptions check = options_;
    check.mode = engine::RunMode::kCheck;
    check.counters = nullptr;
    DifferenceCollector differences(options_.mode == engine::RunMode::kSync &&
                                        options_.delete_extra,
                                    summary_.differing);
    check.observer = &differences;
    auto verified = engine::RunSync(source_, destination_, check, nullptr, stop_);
    if (!verified.ok()) return std::move(verified).take_error().Context("the verifying compare");
    summary_.differences = differences.count();
  }
  (void)state_.FinishRun(p_.run_name, "completed");
  summary_.queue_requests = sqs_.RequestCounts();
  summary_.source_requests = source_.RequestCounts();
  summary_.destination_requests = destination_.RequestCounts();
  summary_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return summary_;
}

}  // namespace

Result<PlannerSummary> RunPlanner(store::ObjectStore& source, store::ObjectStore& destination,
                                  const engine::RunOptions& options, const nlohmann::json& spec,
                                  queue::SqsClient& sqs, state::FleetStore& state,
                                  const PlannerOptions& planner, std::stop_token stop,
                                  engine::RunCounters* counters) {
  engine::RunCounters own;
  Planner p(source, destination, options, spec, sqs, state, planner, std::move(stop),
            counters != nullptr ? *counters : own);
  return p.Run();
}

}  // namespace ferry::fleet
