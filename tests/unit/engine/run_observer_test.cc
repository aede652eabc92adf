// A run tells its observer of every object it decides, and an ObserverPair
// (how --report rides along the printer) tells both of its observers.
#include "engine/run_observer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/sync_run.h"
#include "unit/engine/memory_store.h"

namespace ferry::engine {
namespace {

class Recorder final : public RunObserver {
 public:
  void OnStart(const RunCounters&) override { ++starts; }
  void OnObject(const ObjectEvent& event) override { objects[event.key] = event.action; }
  void OnDifference(const Difference& difference) override {
    differences.push_back(difference.key);
  }
  void OnEnd() override { ++ends; }

  int starts = 0, ends = 0;
  std::map<std::string, std::string> objects;  // key -> action
  std::vector<std::string> differences;
};

TEST(RunObserverTest, ACheckTellsEachObjectAndDifferenceToBothObserversOfAPair) {
  testing::MemoryStore source, destination;
  source.Add("same", 5, "e1");
  source.Add("changed", 5, "e2");
  source.Add("missing", 7, "e3");
  destination.Add("same", 5, "e1");
  destination.Add("changed", 6, "e2");
  destination.Add("extra", 1, "e4");

  Recorder printer, report;
  ObserverPair both(printer, report);
  RunOptions options;
  options.mode = RunMode::kCheck;
  options.observer = &both;
  auto summary = RunSync(source, destination, options, nullptr, {});
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();

  const std::map<std::string, std::string> expected = {
      {"same", "skipped"}, {"changed", "differs"}, {"missing", "differs"}, {"extra", "differs"}};
  for (const Recorder* r : {&printer, &report}) {
    EXPECT_EQ(r->starts, 1);
    EXPECT_EQ(r->ends, 1);
    EXPECT_EQ(r->objects, expected);
    EXPECT_EQ(r->differences.size(), 3u);
  }
  EXPECT_EQ(summary->differences, 3u);
  EXPECT_EQ(summary->matched, 1u);
}

}  // namespace
}  // namespace ferry::engine
