#include "http/range.h"

#include <array>
#include <cstdio>
#include <ctime>

#include "base/strings.h"

namespace nightjar::http {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// 9999-12-31T23:59:59Z, the last instant with a four-digit year.
constexpr int64_t kLastFixdateSecond = 253402300799;

// Digits only, no sign, fits in uint64 (RFC 9110 §14.1.1 positions are 1*DIGIT).
std::optional<uint64_t> ParsePosition(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// The validator comparison of If-Range (RFC 9110 §13.1.5).
bool IfRangeMatches(std::string_view value, const Validators& v) {
  value = Trim(value);
  if (value.starts_with('"') || value.starts_with("W/")) {
    return !v.etag.empty() && EtagListMatches(value, v.etag, /*weak=*/false);
  }
  auto date = ParseHttpDate(value);
  return date && v.last_modified && date->ToUnixSeconds() == v.last_modified->ToUnixSeconds();
}

bool NotModifiedSince(std::string_view value, const Validators& v) {
  auto since = ParseHttpDate(value);
  return since && v.last_modified && v.last_modified->ToUnixSeconds() <= since->ToUnixSeconds();
}

std::string_view StripWeak(std::string_view tag) {
  return tag.starts_with("W/") ? tag.substr(2) : tag;
}

}  // namespace

ParsedRange ParseRange(std::string_view value, uint64_t size) {
  value = Trim(value);
  if (!StartsWithIgnoreCase(value, "bytes=")) return {};
  value.remove_prefix(6);
  if (value.find(',') != std::string_view::npos) return {};  // several ranges: whole body
  auto dash = SplitOnce(Trim(value), '-');
  if (!dash) return {};
  const std::string_view a = Trim(dash->first), b = Trim(dash->second);
  if (a.empty()) {  // suffix "-n": the last n bytes
    auto n = ParsePosition(b);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeKind::kUnsatisfiable, {}};
    const uint64_t len = std::min(*n, size);
    return {RangeKind::kSingle, {size - len, len}};
  }
  auto first = ParsePosition(a);
  if (!first) return {};
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = ParsePosition(b);
    if (!last || *last < *first) return {};  // invalid: ignored
  }
  if (*first >= size) return {RangeKind::kUnsatisfiable, {}};
  const uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return {RangeKind::kSingle, {*first, end - *first + 1}};
}

BodyPlan PlanBody(const ConditionalFields& f, const Validators& v) {
  const BodyPlan whole{200, {0, v.size}};
  if (f.if_none_match) {
    if (!v.etag.empty() && EtagListMatches(*f.if_none_match, v.etag, /*weak=*/true)) {
      return {304, {}};
    }
    if (Trim(*f.if_none_match) == "*") return {304, {}};
  } else if (f.if_modified_since && NotModifiedSince(*f.if_modified_since, v)) {
    return {304, {}};
  }
  if (!f.range) return whole;
  if (f.if_range && !IfRangeMatches(*f.if_range, v)) return whole;
  const ParsedRange r = ParseRange(*f.range, v.size);
  switch (r.kind) {
    case RangeKind::kIgnore:
      return whole;
    case RangeKind::kUnsatisfiable:
      return {416, {}};
    case RangeKind::kSingle:
      break;
  }
  return {206, r.range};
}

bool EtagListMatches(std::string_view list, std::string_view etag, bool weak) {
  if (Trim(list) == "*") return true;
  if (!weak && etag.starts_with("W/")) return false;
  for (std::string_view tag : Split(list, ',')) {
    tag = Trim(tag);
    if (!weak && tag.starts_with("W/")) continue;
    if (StripWeak(tag) == StripWeak(etag)) return true;
  }
  return false;
}

std::string FormatHttpDate(Time90k t) {
  const time_t secs = static_cast<time_t>(t.ToUnixSeconds());
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[static_cast<size_t>(tm.tm_wday)].data(), tm.tm_mday,
                kMonths[static_cast<size_t>(tm.tm_mon)].data(), tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<Time90k> ParseHttpDate(std::string_view s) {
  s = Trim(s);
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, 29 characters.
  if (s.size() != 29 || s.substr(3, 2) != ", " || s.substr(25) != " GMT") return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    auto v = ParsePosition(s.substr(pos, len));
    return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
  };
  int month = -1;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (s.substr(8, 3) == kMonths[i]) month = static_cast<int>(i);
  }
  auto day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  if (month < 0 || !day || !year || !hh || !mm || !ss || s[7] != ' ' || s[11] != ' ' ||
      s[16] != ' ' || s[19] != ':' || s[22] != ':' || *day < 1 || *day > 31 || *hh > 23 ||
      *mm > 59 || *ss > 60) {
    return std::nullopt;
  }
  struct tm tm = {};
  tm.tm_year = *year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = *day;
  tm.tm_hour = *hh;
  tm.tm_min = *mm;
  tm.tm_sec = *ss;
  // Day 31 of a short month and second 60 (RFC 9110 §5.6.7 allows leap seconds) normalize to the
  // next day or minute; refuse what would leave the four-digit year IMF-fixdate can carry.
  const int64_t secs = static_cast<int64_t>(timegm(&tm));
  if (secs > kLastFixdateSecond) return std::nullopt;
  return Time90k::FromUnixSeconds(secs);
}

}  // namespace nightjar::http
