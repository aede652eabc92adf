#include "service/task.h"

namespace ferry::service {
namespace {

constexpr const char* kTaskStates[] = {"Created",   "Running", "Waiting",
                                       "Completed", "Stopped", "Failed"};
constexpr const char* kRunStates[] = {"Running", "Completed", "Failed", "Stopped"};

}  // namespace

const char* TaskStateName(TaskState state) { return kTaskStates[static_cast<int>(state)]; }

std::optional<TaskState> ParseTaskState(const std::string& name) {
  for (int i = 0; i < 6; ++i) {
    if (name == kTaskStates[i]) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

const char* RunStateName(RunState state) { return kRunStates[static_cast<int>(state)]; }

std::optional<RunState> ParseRunState(const std::string& name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kRunStates[i]) return static_cast<RunState>(i);
  }
  return std::nullopt;
}

}  // namespace ferry::service

namespace ferry::service {

const char* TaskKindName(TaskKind kind) { return kind == TaskKind::kImages ? "images" : "s3"; }

}  // namespace ferry::service
