// Each run's progress over time: a point (bytes, objects and failures so far)
// every `interval` seconds while it runs, kept in the database when it ends,
// so the console can chart throughput and objects per second over the run.
//
// One sampler thread reads the live counters of the runs in progress; a run
// shorter than the interval still has two points (its start and its end).
// A long run keeps at most kMaxPoints: past that, every other point is dropped
// (the start and the last point stay), so the resolution halves instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "service/database.h"
#include "service/scheduler.h"
#include "service/task_store.h"

namespace ferry::service {

struct SeriesPoint {
  int64_t time_ms = 0;  // since the epoch
  uint64_t bytes_done = 0;
  uint64_t objects_done = 0;
  uint64_t failed = 0;
};

class RunSeriesRecorder {
 public:
  static constexpr size_t kMaxPoints = 1000;

  // interval_seconds: 1..3600.
  RunSeriesRecorder(Database& db, TaskStore& tasks, Scheduler& scheduler, int interval_seconds);
  ~RunSeriesRecorder();
  RunSeriesRecorder(const RunSeriesRecorder&) = delete;
  RunSeriesRecorder& operator=(const RunSeriesRecorder&) = delete;

  // Creates the table if missing.
  Status Open();
  // Starts sampling; Stop() saves what the runs in progress have so far.
  void Start();
  void Stop();

  int interval_seconds() const { return interval_seconds_; }

  // The points of `run`: live while it runs, else as stored; a run without
  // stored points (one that ended before a sample) gets its start and end.
  Result<std::vector<SeriesPoint>> Points(const Run& run);

 private:
  void Loop();
  void SampleOnce();
  Status Save(const std::string& run_id, const std::vector<SeriesPoint>& points);
  Result<std::vector<SeriesPoint>> Load(const std::string& run_id);
  static void Append(std::vector<SeriesPoint>& points, SeriesPoint p);
  static void AppendEnd(std::vector<SeriesPoint>& points, SeriesPoint end);

  Database& db_;
  TaskStore& tasks_;
  Scheduler& scheduler_;
  const int interval_seconds_;

  Mutex mu_;
  CondVar wake_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::map<std::string, std::vector<SeriesPoint>> live_ GUARDED_BY(mu_);  // by run id
  std::thread thread_;
};

}  // namespace ferry::service
