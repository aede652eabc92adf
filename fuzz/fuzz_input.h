// Helpers for the libFuzzer targets: split one input into the parts a parser takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace ferry::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The text before the first newline and the rest: (first line, rest).
inline std::pair<std::string, std::string> SplitLine(std::string_view text) {
  const size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return {std::string(text), std::string()};
  return {std::string(text.substr(0, newline)), std::string(text.substr(newline + 1))};
}

}  // namespace ferry::fuzz
