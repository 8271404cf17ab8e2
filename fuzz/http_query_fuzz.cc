// Fuzzes request-target handling: SplitTarget (origin- and absolute-form, percent escapes, the
// path-traversal refusal), ParseQuery, and Router::Match on the split path. Invariants beyond
// "no crash": a split path starts with '/' and is a substring of the target; no decoded
// segment is "." or ".." or holds '/', '\\' or NUL; the split query is what ParseQuery makes of
// the query part; a captured path parameter is non-empty and holds no '/'; a target SplitTarget
// refuses for traversal never routes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "fuzz_check.h"
#include "http/router.h"

namespace http = nightjar::http;

namespace {

const http::Router& TestRouter() {
  static const http::Router* router = [] {
    auto* r = new http::Router;
    auto h = [](const http::Request&) { return http::Response::Text(200, ""); };
    r->Add(http::Method::kGet, "/api/cameras", h);
    r->Add(http::Method::kGet, "/api/cameras/{camera}", h);
    r->Add(http::Method::kPost, "/api/cameras/{camera}", h);
    r->Add(http::Method::kGet, "/api/hls/{camera}/segment/ts/{id}", h);
    r->Add(http::Method::kGet, "/{file}", h);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto query = http::ParseQuery(text);
  if (query) {
    for (const auto& [key, value] : *query) FUZZ_CHECK(key.size() + value.size() <= size);
  }

  auto target = http::SplitTarget(text);
  if (target) {
    const std::string& path = target->path;
    FUZZ_CHECK(!path.empty() && path.front() == '/');
    FUZZ_CHECK(path.find('?') == std::string::npos);
    FUZZ_CHECK(text.find(path) != std::string_view::npos);
    for (std::string_view raw : nightjar::Split(std::string_view(path).substr(1), '/')) {
      auto seg = nightjar::PercentDecode(raw);
      FUZZ_CHECK(seg.has_value());
      FUZZ_CHECK(*seg != "." && *seg != "..");
      FUZZ_CHECK(seg->find_first_of(std::string_view("/\\\0", 3)) == std::string::npos);
    }
    // The query part (up to a fragment) parses to the same map on its own.
    const size_t q = text.find('?');
    if (q == std::string_view::npos) {
      FUZZ_CHECK(target->query.empty());
    } else {
      std::string_view part = text.substr(q + 1);
      part = part.substr(0, part.find('#'));
      auto again = http::ParseQuery(part);
      FUZZ_CHECK(again.has_value() && *again == target->query);
    }
  }

  // The server routes only split paths; Match must still be safe on raw input, and a plain path
  // that SplitTarget refuses (a bad escape or traversal) must not route.
  const bool refused_path = !target && text.starts_with('/') && text.find('?') == text.npos;
  for (http::Method m : {http::Method::kGet, http::Method::kHead, http::Method::kPost}) {
    const std::string_view path = target ? std::string_view(target->path) : text;
    http::MatchResult r = TestRouter().Match(m, path);
    if (refused_path) FUZZ_CHECK(std::holds_alternative<http::NoRoute>(r));
    if (auto* match = std::get_if<http::RouteMatch>(&r)) {
      for (const auto& [name, value] : match->params) {
        FUZZ_CHECK(!value.empty());
        FUZZ_CHECK(value.find('/') == std::string::npos);
        FUZZ_CHECK(value != "." && value != "..");
      }
    }
  }
  return 0;
}
