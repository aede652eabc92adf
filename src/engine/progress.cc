#include "engine/progress.h"

#include <cstdio>
#include <string>

namespace ferry::engine {
namespace {

std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return buf;
}

}  // namespace

ProgressPrinter::ProgressPrinter(const RunCounters& counters, bool enabled)
    : counters_(counters), start_(std::chrono::steady_clock::now()) {
  if (!enabled) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) {
      Print(false);
    }
  });
}

ProgressPrinter::~ProgressPrinter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  Print(true);
}

void ProgressPrinter::Print(bool final) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const uint64_t bytes = counters_.transfer.bytes_done.load();
  const uint64_t total_bytes = counters_.bytes_to_copy.load();
  const double rate = seconds > 0 ? bytes / seconds : 0;
  std::string eta = "-";
  if (counters_.listing_done && rate > 0 && total_bytes >= bytes) {
    eta = std::to_string(static_cast<int>((total_bytes - bytes) / rate)) + "s";
  }
  std::fprintf(stderr,
               "\rlisted %llu%s · copied %llu/%llu objects · %s/%s · %s/s · failed %llu · ETA %s ",
               static_cast<unsigned long long>(counters_.listed_source.load()),
               counters_.listing_done ? "" : "+",
               static_cast<unsigned long long>(counters_.copied.load()),
               static_cast<unsigned long long>(counters_.to_copy.load()),
               HumanBytes(static_cast<double>(bytes)).c_str(),
               HumanBytes(static_cast<double>(total_bytes)).c_str(), HumanBytes(rate).c_str(),
               static_cast<unsigned long long>(counters_.failed.load()), eta.c_str());
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace ferry::engine
