// How `ferry sync|copy|check` shows a run: the live progress line, one line per
// key that differs (check, --dry-run), and the summary.
#pragma once

#include <memory>

#include "engine/progress.h"
#include "engine/run_observer.h"
#include "engine/sync_run.h"

namespace ferry::cli {

class RunPrinter final : public engine::RunObserver {
 public:
  // `progress`: how the live line is drawn (off, redrawn on a terminal, or a line
  // every 10 s). With `json`, differences are not printed: the summary object
  // and the report file name them.
  RunPrinter(engine::RunMode mode, engine::ProgressStyle progress, bool json)
      : mode_(mode), progress_(progress), json_(json) {}

  void OnStart(const engine::RunCounters& counters) override;
  void OnDifference(const engine::Difference& difference) override;
  void OnEnd() override { printer_.reset(); }

  // The summary on stdout (a line, or one JSON object), and each failure on stderr.
  void PrintSummary(const engine::RunSummary& summary) const;

 private:
  const engine::RunMode mode_;
  const engine::ProgressStyle progress_;
  const bool json_;
  std::unique_ptr<engine::ProgressPrinter> printer_;
};

}  // namespace ferry::cli
