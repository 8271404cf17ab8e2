#include "http/cookie.h"

#include "base/strings.h"

namespace nightjar::http {
namespace {

// tchar (RFC 9110 §5.6.2).
bool IsTokenChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// cookie-octet (§4.1.1) widened to SP and ',' as browsers send them; still no CTLs, DQUOTE,
// ';' or '\\' and nothing above 0x7e.
bool IsValueOctet(char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != ';' && c != '\\'; }

// The value with one pair of DQUOTEs stripped, or nullopt if it has a byte we refuse.
std::optional<std::string_view> CookieValue(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  for (char c : v) {
    if (!IsValueOctet(c)) return std::nullopt;
  }
  return v;
}

}  // namespace

std::vector<Cookie> ParseCookieHeader(std::string_view header, const CookieLimits& limits) {
  std::vector<Cookie> out;
  size_t bytes = 0;
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    auto kv = SplitOnce(pair, '=');
    if (!kv) continue;
    const std::string_view name = Trim(kv->first);
    auto value = CookieValue(Trim(kv->second));
    if (!IsToken(name) || !value) continue;
    const size_t size = name.size() + value->size();
    if (out.size() == limits.max_cookies || size > limits.max_bytes - bytes) break;
    bytes += size;
    out.push_back({name, *value});
  }
  return out;
}

std::optional<std::string_view> FindCookie(const std::vector<Cookie>& cookies,
                                           std::string_view name) {
  for (const Cookie& c : cookies) {
    if (c.name == name) return c.value;
  }
  return std::nullopt;
}

}  // namespace nightjar::http
