// Fuzzes the Cookie header parser (RFC 6265 §5.4) with the default limits and with small ones.
// Invariants beyond "no crash": the list respects both limits; every name is a non-empty token
// and every value a run of allowed octets, both pointing into the input; FindCookie returns the
// first pair of a name; the same header parsed with a smaller count limit gives a prefix.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "http/cookie.h"

namespace http = nightjar::http;

namespace {

bool Within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void CheckList(const std::vector<http::Cookie>& cookies, std::string_view header,
               const http::CookieLimits& limits) {
  FUZZ_CHECK(cookies.size() <= limits.max_cookies);
  size_t bytes = 0;
  for (size_t i = 0; i < cookies.size(); ++i) {
    const http::Cookie& c = cookies[i];
    bytes += c.name.size() + c.value.size();
    FUZZ_CHECK(!c.name.empty() && Within(c.name, header) && Within(c.value, header));
    FUZZ_CHECK(c.name.find_first_of(" \t\r\n;=\",") == std::string_view::npos);
    for (char ch : c.value) FUZZ_CHECK(ch >= 0x20 && ch <= 0x7e && ch != '"' && ch != ';');
    auto found = http::FindCookie(cookies, c.name);
    FUZZ_CHECK(found.has_value());
    for (size_t j = 0; j <= i; ++j) {
      if (cookies[j].name == c.name) {
        FUZZ_CHECK(found->data() == cookies[j].value.data() &&
                   found->size() == cookies[j].value.size());
        break;
      }
    }
  }
  FUZZ_CHECK(bytes <= limits.max_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const http::CookieLimits defaults;
  const auto all = http::ParseCookieHeader(header, defaults);
  CheckList(all, header, defaults);

  const http::CookieLimits small{.max_cookies = 3, .max_bytes = 64};
  const auto few = http::ParseCookieHeader(header, small);
  CheckList(few, header, small);
  // Limits only cut the list short: what is kept is the start of the unlimited list.
  const http::CookieLimits huge{.max_cookies = SIZE_MAX, .max_bytes = SIZE_MAX};
  const auto unlimited = http::ParseCookieHeader(header, huge);
  FUZZ_CHECK(few.size() <= unlimited.size() && all.size() <= unlimited.size());
  for (size_t i = 0; i < few.size(); ++i) {
    FUZZ_CHECK(few[i].name.data() == unlimited[i].name.data());
  }
  for (size_t i = 0; i < all.size(); ++i) {
    FUZZ_CHECK(all[i].value.data() == unlimited[i].value.data());
  }
  return 0;
}
