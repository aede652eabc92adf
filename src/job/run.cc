#include "job/run.h"

#include "engine/report_writer.h"
#include "store/local_store.h"

namespace ferry::job {

Result<PreparedRun> PrepareRun(const SyncSpec& spec, const RunSetup& setup) {
  auto options = MakeRunOptions(spec);
  if (!options.ok()) return std::move(options).take_error();
  auto sides = ResolveSides(spec, setup.configs, setup.config_path);
  if (!sides.ok()) return std::move(sides).take_error();
  ResolvedSides keyed = *sides;
  if (setup.src_keys) keyed.src.keys = *setup.src_keys;
  if (setup.dst_keys) keyed.dst.keys = *setup.dst_keys;
  auto stores = OpenStores(keyed);
  if (!stores.ok()) return std::move(stores).take_error();
  if (setup.confine_local_to) {
    for (auto [store, side] : {std::pair{stores->source.get(), Side::kSource},
                               std::pair{stores->destination.get(), Side::kDestination}}) {
      if (auto* local = dynamic_cast<store::LocalStore*>(store)) {
        Status st = local->ConfineTo(*setup.confine_local_to);
        if (!st.ok()) return std::move(st).WithSide(side);
      }
    }
  }
  PreparedRun prepared{std::move(*sides), std::move(*stores), std::move(*options), nullptr,
                       spec.report};
  prepared.options.throttle = prepared.stores.throttle;
  prepared.options.counters = setup.counters;
  if (!setup.state_dir.empty()) {
    auto checkpoints =
        state::SqliteCheckpointStore::Open(setup.state_dir, RunName(prepared.stores));
    if (!checkpoints.ok()) return std::move(checkpoints).take_error();
    prepared.checkpoints = std::move(*checkpoints);
  }
  return prepared;
}

namespace {

void ReportSkipsTo(PreparedRun& prepared, engine::RunObserver* observer) {
  for (auto* store : {prepared.stores.source.get(), prepared.stores.destination.get()}) {
    auto* local = dynamic_cast<store::LocalStore*>(store);
    if (local == nullptr) continue;
    if (observer == nullptr) {
      local->SetSkipReporter({});
      continue;
    }
    local->SetSkipReporter([observer, where = local->Describe()](const std::string& key,
                                                                 const std::string& why) {
      observer->OnSkip(where, key, why);
    });
  }
}

}  // namespace

Result<engine::RunSummary> RunPrepared(PreparedRun& prepared, engine::RunObserver& caller,
                                       std::stop_token stop) {
  auto report = engine::ReportWriter::Open(prepared.report_path);
  if (!report.ok()) return std::move(report).take_error();
  engine::ObserverPair observer(caller, **report);
  ReportSkipsTo(prepared, &observer);
  prepared.options.observer = &observer;
  auto summary = engine::RunSync(*prepared.stores.source, *prepared.stores.destination,
                                 prepared.options, prepared.checkpoints.get(), stop);
  // The stores may outlive this observer.
  prepared.options.observer = nullptr;
  ReportSkipsTo(prepared, nullptr);
  return summary;
}

Result<engine::RunSummary> RunJob(const SyncSpec& spec, const RunSetup& setup,
                                  engine::RunObserver& observer, std::stop_token stop) {
  auto prepared = PrepareRun(spec, setup);
  if (!prepared.ok()) return std::move(prepared).take_error();
  return RunPrepared(*prepared, observer, stop);
}

}  // namespace ferry::job
