#include "base/strings.h"

#include <charconv>

namespace nightjar {
namespace {

constexpr char FoldAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

constexpr bool IsTrimmed(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (FoldAscii(a[i]) != FoldAscii(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string AsciiToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = FoldAscii(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsTrimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsTrimmed(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    s.remove_prefix(pos + 1);
  }
}

std::optional<std::pair<std::string_view, std::string_view>> SplitOnce(std::string_view s,
                                                                       char sep) {
  size_t pos = s.find(sep);
  if (pos == std::string_view::npos) return std::nullopt;
  return std::pair{s.substr(0, pos), s.substr(pos + 1)};
}

Result<int64_t> ParseInt64(std::string_view s, int64_t min, int64_t max) {
  auto fail = [&](std::string_view why) {
    std::string shown(s.substr(0, 32));
    if (s.size() > 32) shown += "...";
    return Err(ErrorCode::kMalformed, "bad integer \"" + shown + "\": " + std::string(why));
  };
  std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
  if (digits.empty()) return fail("no digits");
  for (char c : digits) {
    if (c < '0' || c > '9') return fail("not a decimal number");
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return fail("out of range");
  if (ec != std::errc() || end != s.data() + s.size()) return fail("not a decimal number");
  if (v < min || v > max) {
    return fail("not in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return v;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const bool complete = i + 2 < s.size();
      const int hi = complete ? HexValue(s[i + 1]) : -1;
      const int lo = complete ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Err(ErrorCode::kInvalidArgument, "bad percent escape");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

}  // namespace nightjar
