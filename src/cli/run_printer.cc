#include "cli/run_printer.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace ferry::cli {

void RunPrinter::OnStart(const engine::RunCounters& counters) {
  if (progress_ != engine::ProgressStyle::kOff) {
    printer_ = std::make_unique<engine::ProgressPrinter>(counters, progress_);
  }
}

// As rclone check does: one line per key that differs.
void RunPrinter::OnDifference(const engine::Difference& d) {
  if (json_) return;
  const char* verb = mode_ == engine::RunMode::kCheck ? ""
                     : d.is_delete                    ? "would delete: "
                                                      : "would copy: ";
  std::printf("%s: %s%s\n", d.key.c_str(), verb, d.what.c_str());
}

void RunPrinter::PrintSummary(const engine::RunSummary& s) const {
  if (json_) {
    nlohmann::json j = {{"listed", s.listed_source},
                        {"listed_destination", s.listed_destination},
                        {"matched", s.matched},
                        {"copied", s.copied},
                        {"bytes", s.bytes},
                        {"deleted", s.deleted},
                        {"differences", s.differences},
                        {"failed", s.failed},
                        {"parts_resumed", s.parts_resumed},
                        {"unverified", s.unverified},
                        {"deletes_refused", s.deletes_refused},
                        {"seconds", s.seconds}};
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : s.failures) {
      failures.push_back({{"key", f.key}, {"attempts", f.attempts}, {"error", f.error}});
    }
    j["failures"] = failures;
    j["requests"] = {{"source", s.source_requests}, {"destination", s.destination_requests}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    std::printf(
        "listed %llu (destination %llu) · identical %llu · copied %llu (%llu bytes) · deleted "
        "%llu · differences %llu · failed %llu · %.1f s\n",
        n(s.listed_source), n(s.listed_destination), n(s.matched), n(s.copied), n(s.bytes),
        n(s.deleted), n(s.differences), n(s.failed), s.seconds);
    if (s.unverified > 0) {
      std::printf("%llu copied object%s could not be verified: their source ETag is no checksum "
                  "ferry can recompute (SSE-KMS, or a part layout the source does not tell)\n",
                  n(s.unverified), s.unverified == 1 ? "" : "s");
    }
  }
  for (const auto& f : s.failures) {
    std::fprintf(stderr, "ferry: failed after %d attempt%s: %s: %s\n", f.attempts,
                 f.attempts == 1 ? "" : "s", f.key.c_str(), f.error.c_str());
  }
}

}  // namespace ferry::cli
