#include "engine/report_writer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ferry::engine {

Result<std::unique_ptr<ReportWriter>> ReportWriter::Open(const std::string& path) {
  if (path.empty()) return std::unique_ptr<ReportWriter>(new ReportWriter(nullptr));
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return Status::InvalidArgument("cannot write the report '" + path + "': " +
                                       std::strerror(errno),
                                   "--report names a writable file");
  }
  return std::unique_ptr<ReportWriter>(new ReportWriter(file));
}

ReportWriter::~ReportWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void ReportWriter::OnObject(const ObjectEvent& line) {
  if (file_ == nullptr) return;
  nlohmann::json j = {{"key", line.key}, {"action", line.action}, {"size", line.size}};
  if (!line.reason.empty()) j["reason"] = line.reason;
  if (!line.method.empty()) j["method"] = line.method;
  if (line.attempts > 0) j["attempts"] = line.attempts;
  if (!line.error.empty()) j["error"] = line.error;
  if (line.unverified) j["verified"] = false;
  const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  MutexLock lock(mu_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fputc('\n', file_);
}

}  // namespace ferry::engine
