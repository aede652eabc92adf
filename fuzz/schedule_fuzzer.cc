// Task schedules: once, rate(...), 5-field cron, AWS cron(...).
#include "fuzz_input.h"
#include "service/schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto schedule = ferry::service::Schedule::Parse(std::string(ferry::fuzz::AsText(data, size)));
  if (!schedule.ok()) return 0;
  const int64_t now = 1'780'000'000;  // 2026
  if (auto first = schedule->FirstFire(now)) (void)schedule->NextFire(*first, now + 60);
  return 0;
}
