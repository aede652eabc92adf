#include "images/challenge.h"

#include <cctype>
#include <vector>

namespace ferry::images {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) !=
                                                            std::string_view::npos;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool Done() { SkipSpace(); return i_ >= s_.size(); }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) { ++i_; return true; }
    return false;
  }
  std::string Token() {
    SkipSpace();
    const size_t start = i_;
    while (i_ < s_.size() && IsTokenChar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  // A quoted string (unescaped) or a token.
  std::string Value() {
    SkipSpace();
    if (i_ >= s_.size() || s_[i_] != '"') return Token();
    std::string out;
    for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_];
    }
    if (i_ < s_.size()) ++i_;  // closing quote
    return out;
  }
  size_t pos() const { return i_; }
  void set_pos(size_t p) { i_ = p; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<Challenge> ParseChallenge(std::string_view header) {
  Scanner in(header);
  std::vector<Challenge> found;
  while (!in.Done()) {
    Challenge c;
    c.scheme = Lower(in.Token());
    if (c.scheme.empty()) break;
    // auth-params: name=value pairs separated by commas, until a token that is
    // not followed by '=' starts the next challenge.
    while (!in.Done()) {
      const size_t mark = in.pos();
      in.Eat(',');
      const std::string name = Lower(in.Token());
      if (name.empty() || !in.Eat('=')) {
        in.set_pos(mark);
        if (!in.Eat(',')) break;
        continue;
      }
      c.params[name] = in.Value();
    }
    found.push_back(std::move(c));
    in.Eat(',');
  }
  if (found.empty()) return std::nullopt;
  for (const auto& c : found) {
    if (c.scheme == "bearer") return c;
  }
  return found.front();
}

}  // namespace ferry::images
