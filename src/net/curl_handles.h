// RAII owners for libcurl handles (freed once, never by hand), and the header
// list a request hands curl.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::net {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};

using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

// A request's header lines as curl's list in two allocations, where
// curl_slist_append makes two per line (a node and a copy of the line): this runs
// for every request, ten lines each. curl only reads the list (data, next); it
// must outlive the transfer and not change once Finish has built it.
class HeaderLines {
 public:
  // Reserves room for about `bytes` of lines.
  explicit HeaderLines(size_t bytes = 0) { text_.reserve(bytes); }
  // "Name: value"; an empty value is sent as "Name;" ("Name:" would remove it).
  void Add(std::string_view name, std::string_view value) {
    // A NUL ends the line, as it did curl's copy: never the start of another.
    name = name.substr(0, name.find('\0'));
    value = value.substr(0, value.find('\0'));
    text_.append(name);
    if (value.empty()) {
      text_ += ';';
    } else {
      text_.append(": ").append(value);
    }
    text_ += '\0';
  }
  // A line as curl takes it, e.g. "Expect:" to drop a header curl adds itself.
  void AddRaw(std::string_view line) { text_.append(line) += '\0'; }
  // The list curl reads; nullptr when there are no lines.
  curl_slist* Finish() {
    nodes_.clear();
    for (size_t at = 0; at < text_.size(); at = text_.find('\0', at) + 1) {
      nodes_.push_back({text_.data() + at, nullptr});
    }
    for (size_t i = 1; i < nodes_.size(); ++i) nodes_[i - 1].next = &nodes_[i];
    return nodes_.empty() ? nullptr : nodes_.data();
  }

 private:
  std::string text_;  // each line ends with '\0'
  std::vector<curl_slist> nodes_;
};

}  // namespace ferry::net
