#include "service/run_series.h"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "state/sqlite_statement.h"

namespace ferry::service {
namespace {

using nlohmann::json;
using state::Statement;

SeriesPoint EndPoint(const Run& run) {
  return {run.ended_at.value_or(run.started_at) * 1000, run.progress.bytes_done,
          run.progress.objects_done, run.progress.failed};
}

}  // namespace

RunSeriesRecorder::RunSeriesRecorder(Database& db, TaskStore& tasks, Scheduler& scheduler,
                                     int interval_seconds)
    : db_(db), tasks_(tasks), scheduler_(scheduler),
      interval_seconds_(std::clamp(interval_seconds, 1, 3600)) {}

RunSeriesRecorder::~RunSeriesRecorder() { Stop(); }

Status RunSeriesRecorder::Open() {
  MutexLock lock(db_.mu());
  return db_.Exec(
      "CREATE TABLE IF NOT EXISTS run_series ("
      "run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE, points TEXT NOT NULL)");
}

void RunSeriesRecorder::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RunSeriesRecorder::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.NotifyAll();
  if (thread_.joinable()) thread_.join();
  std::map<std::string, std::vector<SeriesPoint>> left;
  {
    MutexLock lock(mu_);
    left.swap(live_);
  }
  // Runs interrupted by the shutdown resume on the next start and go on from here.
  for (const auto& [id, points] : left) (void)Save(id, points);
}

void RunSeriesRecorder::Append(std::vector<SeriesPoint>& points, SeriesPoint p) {
  points.push_back(p);
  if (points.size() <= kMaxPoints) return;
  std::vector<SeriesPoint> halved;
  halved.reserve(points.size() / 2 + 2);
  for (size_t i = 0; i + 1 < points.size(); i += 2) halved.push_back(points[i]);
  halved.push_back(points.back());
  points.swap(halved);
}

void RunSeriesRecorder::AppendEnd(std::vector<SeriesPoint>& points, SeriesPoint end) {
  // The end is recorded in whole seconds, the samples in milliseconds: an end
  // that seems to come before the last sample is that sample's final counters.
  if (!points.empty() && end.time_ms <= points.back().time_ms) {
    end.time_ms = points.back().time_ms;
    points.back() = end;
    return;
  }
  Append(points, end);
}

void RunSeriesRecorder::Loop() {
  MutexLock lock(mu_);
  while (!stop_) {
    lock.Unlock();
    SampleOnce();
    lock.Lock();
    wake_.WaitFor(lock, std::chrono::seconds(interval_seconds_),
                  [this]() REQUIRES(mu_) { return stop_; });
  }
}

void RunSeriesRecorder::SampleOnce() {
  const int64_t now = NowMillis();
  std::set<std::string> running;
  for (const auto& [run_id, live] : scheduler_.ActiveRuns()) {
    running.insert(run_id);
    SeriesPoint p{now, live->counters.transfer.bytes_done, live->counters.copied,
                  live->counters.failed};
    bool first = false;
    {
      MutexLock lock(mu_);
      first = !live_.contains(run_id);
    }
    std::vector<SeriesPoint> start;
    if (first) {
      // A resumed run goes on from what was saved; a new one starts at zero.
      auto saved = Load(run_id);
      if (saved.ok() && !saved->empty()) {
        start = std::move(*saved);
      } else if (auto run = tasks_.GetRun(run_id); run.ok()) {
        start.push_back({run->started_at * 1000, 0, 0, 0});
      }
    }
    MutexLock lock(mu_);
    auto& points = live_[run_id];
    if (first) points = std::move(start);
    Append(points, p);
  }
  // Runs that ended since the last sample: add their final counters and keep them.
  std::vector<std::pair<std::string, std::vector<SeriesPoint>>> ended;
  {
    MutexLock lock(mu_);
    for (auto it = live_.begin(); it != live_.end();) {
      if (running.contains(it->first)) {
        ++it;
        continue;
      }
      ended.emplace_back(it->first, std::move(it->second));
      it = live_.erase(it);
    }
  }
  for (auto& [id, points] : ended) {
    auto run = tasks_.GetRun(id);
    if (run.ok() && run->state != RunState::kRunning) AppendEnd(points, EndPoint(*run));
    Status st = Save(id, points);
    if (!st.ok()) spdlog::warn("run {}: its progress series was not kept: {}", id, st.ToString());
  }
}

Status RunSeriesRecorder::Save(const std::string& run_id,
                               const std::vector<SeriesPoint>& points) {
  json rows = json::array();
  for (const auto& p : points) {
    rows.push_back({p.time_ms, p.bytes_done, p.objects_done, p.failed});
  }
  MutexLock lock(db_.mu());
  Statement s(db_.handle(), "INSERT OR REPLACE INTO run_series (run_id, points) "
                            "SELECT ?, ? WHERE EXISTS (SELECT 1 FROM runs WHERE id=?)");
  s.BindText(1, run_id).BindText(2, rows.dump()).BindText(3, run_id);
  if (s.Step() != SQLITE_DONE) return db_.Error("saving the series of run " + run_id);
  return Status::OK();
}

Result<std::vector<SeriesPoint>> RunSeriesRecorder::Load(const std::string& run_id) {
  std::string text;
  {
    MutexLock lock(db_.mu());
    Statement s(db_.handle(), "SELECT points FROM run_series WHERE run_id=?");
    s.BindText(1, run_id);
    const int rc = s.Step();
    if (rc == SQLITE_DONE) return std::vector<SeriesPoint>();
    if (rc != SQLITE_ROW) return db_.Error("reading the series of run " + run_id);
    text = s.Text(0);
  }
  std::vector<SeriesPoint> out;
  json rows = json::parse(text, nullptr, false);
  if (!rows.is_array()) return out;
  for (const auto& r : rows) {
    if (!r.is_array() || r.size() != 4) continue;
    bool numbers = true;
    for (const auto& v : r) numbers &= v.is_number_unsigned() || v.is_number_integer();
    if (!numbers) continue;
    out.push_back({r[0].get<int64_t>(), r[1].get<uint64_t>(), r[2].get<uint64_t>(),
                   r[3].get<uint64_t>()});
  }
  return out;
}

Result<std::vector<SeriesPoint>> RunSeriesRecorder::Points(const Run& run) {
  {
    MutexLock lock(mu_);
    if (auto it = live_.find(run.id); it != live_.end()) {
      std::vector<SeriesPoint> out = it->second;
      if (run.state != RunState::kRunning) AppendEnd(out, EndPoint(run));
      return out;
    }
  }
  auto stored = Load(run.id);
  if (!stored.ok()) return stored;
  if (stored->empty()) {
    stored->push_back({run.started_at * 1000, 0, 0, 0});
    if (run.state != RunState::kRunning) AppendEnd(*stored, EndPoint(run));
  }
  return stored;
}

}  // namespace ferry::service
