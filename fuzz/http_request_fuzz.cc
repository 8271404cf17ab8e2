// Fuzzes what an HTTP client controls first: the request head (request line and header fields)
// through ParseRequestHead, which is Beast's parser with the server's header limit, the server's
// conversion to a Request (ConvertHead) and its target split (SplitTarget). Invariants beyond
// "no crash": a parsed head lies within the input and the limit; its path starts with '/' and
// has no segment that decodes to "." or "..", or holds '/', '\\' or NUL; the method matches its
// name; header fields hold no CR or LF (nothing can split a response that echoes them).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "fuzz_check.h"
#include "http/cookie.h"
#include "http/origin.h"
#include "http/range.h"
#include "http/request_head.h"

namespace http = nightjar::http;

namespace {

void CheckPath(std::string_view path) {
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(path.find('?') == std::string_view::npos);
  path.remove_prefix(1);
  for (std::string_view raw : nightjar::Split(path, '/')) {
    FUZZ_CHECK(raw != "." && raw != "..");
    auto seg = nightjar::PercentDecode(raw);
    FUZZ_CHECK(seg.has_value());  // SplitTarget checked every escape
    FUZZ_CHECK(*seg != "." && *seg != "..");
    FUZZ_CHECK(seg->find_first_of(std::string_view("/\\\0", 3)) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A small limit as well as the server's default, so the limit path is reached too.
  for (uint32_t limit : {uint32_t{16} << 10, uint32_t{64}}) {
    auto head = http::ParseRequestHead(bytes, {.max_header_bytes = limit});
    if (!head) continue;
    const http::Request& req = head->request;
    FUZZ_CHECK(head->head_bytes > 0 && head->head_bytes <= size && head->head_bytes <= limit);
    CheckPath(req.path);
    FUZZ_CHECK(!req.method_name.empty());
    FUZZ_CHECK(req.method == http::ParseMethod(req.method_name));
    FUZZ_CHECK(req.version >= 10 && req.version <= 11);
    FUZZ_CHECK(!req.target.empty());
    if (req.websocket) FUZZ_CHECK(req.method == http::Method::kGet && req.version == 11);
    for (const auto& [name, value] : req.headers.fields()) {
      FUZZ_CHECK(!name.empty());
      FUZZ_CHECK(name.find_first_of("\r\n: ") == std::string::npos);
      FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
    }
    // What handlers then read from the head.
    if (auto c = req.headers.Get("Cookie")) (void)http::ParseCookieHeader(*c);
    // The same-origin check every request passes (Origin and Host are the client's).
    if (auto refused = http::RefuseCrossOrigin(req)) FUZZ_CHECK(refused->status == 403);
    if (auto o = req.headers.Get("Origin")) {
      if (auto h = req.headers.Get("Host")) (void)http::SameOrigin(*o, *h);
    }
    if (auto r = req.headers.Get("Range")) {
      const http::ParsedRange p = http::ParseRange(*r, 1000);
      if (p.kind == http::RangeKind::kSingle) {
        FUZZ_CHECK(p.range.length > 0 && p.range.first + p.range.length <= 1000);
      }
    }
  }
  return 0;
}
