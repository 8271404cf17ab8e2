// The Cookie request header (RFC 6265 §5.4, syntax §4.2.1), I/O-free.
//
// This module owns reading "name1=value1; name2=value2" as a user agent sends it. Parsing is
// lenient the way servers must be with real browsers, and bounded:
//   - pairs are separated by ';' (with or without the SP §4.2.1 asks for); whitespace around
//     names and values is trimmed; empty pairs are skipped;
//   - a pair without '=', with a name that is not a token (RFC 9110 §5.6.2), or with a value
//     byte outside printable ASCII (or '"', ';', '\\' inside it) is skipped, the rest kept;
//   - one pair of surrounding DQUOTEs is stripped from a value (cookie-value, §4.1.1);
//   - at most CookieLimits::max_cookies pairs and max_bytes of names plus values are kept; the
//     first pair over either limit ends the list (a later, truncated view could lie).
// No percent-decoding: cookie values are opaque octets to us.
//
// Thread safety: pure functions. Returned string_views point into the header value passed in
// and live as long as it does.
#ifndef NIGHTJAR_HTTP_COOKIE_H_
#define NIGHTJAR_HTTP_COOKIE_H_

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace nightjar::http {

struct Cookie {
  std::string_view name;   // case-sensitive, non-empty token
  std::string_view value;  // without surrounding DQUOTEs; may be empty
};

struct CookieLimits {
  // RFC 6265 §6.1 asks user agents for at least 50 cookies per domain and 4096 bytes per cookie.
  size_t max_cookies = 50;
  size_t max_bytes = 8192;  // sum of name and value sizes of the kept pairs
};

// The pairs of one Cookie field value, in order (a user agent sends the most specific first,
// §5.4 step 2). Never fails: malformed pairs are skipped.
std::vector<Cookie> ParseCookieHeader(std::string_view header, const CookieLimits& limits = {});

// The value of the first cookie named `name` (a name repeats when cookies of several paths or
// domains apply; the first is the most specific), or nullopt.
std::optional<std::string_view> FindCookie(const std::vector<Cookie>& cookies,
                                           std::string_view name);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_COOKIE_H_
