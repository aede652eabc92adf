#include "engine/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <vector>

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

std::string Duration(double seconds) {
  const auto s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

size_t TerminalWidth() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

// Display columns of UTF-8 text (the separators are multi-byte).
size_t Columns(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string FormatProgress(const ProgressSample& s, size_t width) {
  auto n = [](uint64_t v) { return std::to_string(v); };
  const std::string listed = s.listing_done ? "listed " + n(s.listed) : "listing " + n(s.listed);
  if (s.to_copy == 0) return listed;  // nothing to copy (yet): a check, a no-op resync
  std::string eta = "ETA -";
  if (s.listing_done && s.bytes >= s.bytes_total) {
    eta = "ETA 0:00";
  } else if (s.listing_done && s.rate > 0) {
    eta = "ETA " + Duration(static_cast<double>(s.bytes_total - s.bytes) / s.rate);
  }
  // In order of use; the last ones go first when the line is too wide.
  std::vector<std::string> fields = {
      n(s.copied) + "/" + n(s.to_copy) + (s.listing_done ? "" : "+") + " objects",
      HumanBytes(static_cast<double>(s.bytes)) + "/" +
          HumanBytes(static_cast<double>(s.bytes_total)),
      eta,
      HumanBytes(s.rate) + "/s",
  };
  if (s.failed > 0) fields.push_back("failed " + n(s.failed));
  fields.push_back(listed);
  const std::string sep = " \u00b7 ";
  while (true) {
    std::string line;
    for (const auto& f : fields) line += (line.empty() ? "" : sep) + f;
    if (Columns(line) < width || fields.size() == 1) {
      if (Columns(line) >= width) line.resize(width > 1 ? width - 1 : 0);
      return line;
    }
    fields.pop_back();
  }
}

double MovingRate::Add(std::chrono::steady_clock::time_point now, uint64_t bytes) {
  samples_.emplace_back(now, bytes);
  while (samples_.size() > 2 && now - samples_[1].first >= window_) samples_.pop_front();
  const auto& [then, then_bytes] = samples_.front();
  const double seconds = std::chrono::duration<double>(now - then).count();
  return seconds > 0 && bytes >= then_bytes ? (bytes - then_bytes) / seconds : 0;
}

ProgressPrinter::ProgressPrinter(const RunCounters& counters, ProgressStyle style)
    : counters_(counters), style_(style) {
  if (style_ == ProgressStyle::kOff) return;
  rate_.Add(std::chrono::steady_clock::now(), 0);
  const auto period =
      style_ == ProgressStyle::kTerminal ? std::chrono::seconds(1) : std::chrono::seconds(10);
  thread_ = std::thread([this, period] {
    MutexLock lock(mu_);
    while (!wake_.WaitFor(lock, period, [&]() REQUIRES(mu_) { return stopping_; })) Print(false);
  });
}

ProgressPrinter::~ProgressPrinter() {
  if (!thread_.joinable()) return;
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.join();
  Print(true);
}

void ProgressPrinter::Print(bool final) {
  ProgressSample s;
  s.listed = counters_.listed_source.load();
  s.listing_done = counters_.listing_done.load();
  s.copied = counters_.copied.load();
  s.to_copy = counters_.to_copy.load();
  s.bytes_total = counters_.bytes_to_copy.load();
  s.bytes = std::min(s.bytes_total, counters_.transfer.bytes_done.load() +
                                        counters_.transfer.bytes_in_flight.load());
  s.failed = counters_.failed.load();
  s.rate = rate_.Add(std::chrono::steady_clock::now(), s.bytes);
  if (style_ == ProgressStyle::kTerminal) {
    // Redrawn in place; \x1b[K clears what a longer previous line left.
    std::fprintf(stderr, "\r%s\x1b[K%s", FormatProgress(s, TerminalWidth()).c_str(),
                 final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", FormatProgress(s, SIZE_MAX).c_str());
  }
  std::fflush(stderr);
}

}  // namespace ferry::engine
