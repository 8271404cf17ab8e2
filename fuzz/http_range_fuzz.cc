// Fuzzes Range and conditional request fields (RFC 9110 §13-§14): ParseRange against several
// representation sizes, PlanBody with the input split into If-None-Match, If-Modified-Since,
// Range and If-Range, entity-tag lists and HTTP-dates. Invariants beyond "no crash": every range
// returned lies within the size and is non-empty; a plan is 200 (everything), 206 (a range within
// the size), 304 or 416 (no bytes); a strong entity-tag match is also a weak one; a parsed date
// formats and parses back to itself.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "base/strings.h"
#include "fuzz_check.h"
#include "http/range.h"

namespace http = nightjar::http;

namespace {

bool WithinSize(const http::ByteRange& r, uint64_t size) {
  return r.length > 0 && r.first < size && r.length <= size - r.first;
}

constexpr uint64_t kSizes[] = {
    0, 1, 2, 100, 1 << 20, uint64_t{1} << 62, std::numeric_limits<uint64_t>::max()};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (uint64_t n : kSizes) {
    const http::ParsedRange r = http::ParseRange(text, n);
    if (r.kind == http::RangeKind::kSingle) FUZZ_CHECK(WithinSize(r.range, n));
  }

  // "If-None-Match\nIf-Modified-Since\nRange\nIf-Range": an absent line is an absent field.
  auto lines = nightjar::Split(text, '\n');
  auto field = [&](size_t i) {
    return i < lines.size() && !lines[i].empty() ? std::optional<std::string_view>(lines[i])
                                                 : std::nullopt;
  };
  const http::ConditionalFields fields{field(0), field(1), field(2), field(3)};
  for (uint64_t n : kSizes) {
    const http::Validators v{n, "\"5f-abc\"", nightjar::Time90k::FromUnixSeconds(784111777)};
    const http::BodyPlan plan = http::PlanBody(fields, v);
    switch (plan.status) {
      case 200:
        FUZZ_CHECK(plan.range.first == 0 && plan.range.length == n);
        break;
      case 206:
        FUZZ_CHECK(WithinSize(plan.range, n));
        break;
      case 304:
      case 416:
        FUZZ_CHECK(plan.range.length == 0);
        break;
      default:
        FUZZ_CHECK(false);
    }
  }

  for (std::string_view etag : {"\"5f-abc\"", "W/\"5f-abc\"", "\"\""}) {
    if (http::EtagListMatches(text, etag, /*weak=*/false)) {
      FUZZ_CHECK(http::EtagListMatches(text, etag, /*weak=*/true));
    }
  }

  if (auto t = http::ParseHttpDate(text)) {
    const std::string formatted = http::FormatHttpDate(*t);
    auto again = http::ParseHttpDate(formatted);
    FUZZ_CHECK(again.has_value() && again->ToUnixSeconds() == t->ToUnixSeconds());
  }
  return 0;
}
