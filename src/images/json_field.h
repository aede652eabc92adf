// Reading fields of documents servers send: a wrong type is an absent field,
// never an exception (nlohmann's value() throws on a type mismatch).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ferry::images {

// The string `name` of object `j`, or "" when absent or not a string.
inline std::string StringField(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return {};
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace ferry::images
