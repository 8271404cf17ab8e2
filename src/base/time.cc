#include "base/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <ostream>

#include "base/strings.h"

namespace nightjar {
namespace {

// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01): 70 years, 17 leap days.
constexpr int64_t kNtpToUnixSeconds = 2208988800;

// Input is quoted in error messages; cap it so a hostile query string cannot bloat logs.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string q = "\"";
  q.append(text.substr(0, kMax));
  if (text.size() > kMax) q += "...";
  q += '"';
  return q;
}

// A minimal cursor over the input; every accessor is bounds-checked.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  std::string_view Rest() const { return s_.substr(pos_); }
  bool Consume(char c) {
    if (AtEnd() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool Consume(std::string_view prefix) {
    if (!Rest().starts_with(prefix)) return false;
    pos_ += prefix.size();
    return true;
  }
  // Exactly n decimal digits.
  std::optional<int> Digits(int n) {
    if (s_.size() - pos_ < static_cast<size_t>(n)) return std::nullopt;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      char c = s_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    return v;
  }
  // One or more digits as a fraction scaled to nanoseconds (digits past the 9th are checked but
  // ignored); nullopt if there is no digit.
  std::optional<int64_t> FractionNanos() {
    int64_t v = 0;
    int n = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      if (n < 9) v = v * 10 + (Peek() - '0');
      ++n;
      ++pos_;
    }
    if (n == 0) return std::nullopt;
    for (int i = n; i < 9; ++i) v *= 10;
    return v;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

struct CivilTime {
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t frac_nanos = 0;
  std::optional<int> offset_seconds;  // east of UTC; nullopt = local time
};

// Parses "Z", "+HH:MM", "+HHMM" or "+HH" (and "-" forms) at the cursor.
std::optional<int> ParseOffset(Cursor& c) {
  if (c.Consume('Z') || c.Consume('z')) return 0;
  int sign = 1;
  if (c.Consume('-')) {
    sign = -1;
  } else if (!c.Consume('+')) {
    return std::nullopt;
  }
  auto hh = c.Digits(2);
  if (!hh || *hh > 23) return std::nullopt;
  int mm = 0;
  if (!c.AtEnd()) {
    c.Consume(':');  // "+01:00" and "+0100" are both ISO 8601
    auto m = c.Digits(2);
    if (!m || *m > 59) return std::nullopt;
    mm = *m;
  }
  return sign * (*hh * 3600 + mm * 60);
}

Result<CivilTime> ParseCivil(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Err(ErrorCode::kInvalidArgument,
               "invalid time " + Quote(text) + ": " + std::string(why));
  };
  if (text.empty()) return fail("empty");
  Cursor c(text);
  CivilTime t;
  auto y = c.Digits(4);
  if (!y || !c.Consume('-')) return fail("expected YYYY-MM-DD");
  auto mo = c.Digits(2);
  if (!mo || !c.Consume('-')) return fail("expected YYYY-MM-DD");
  auto d = c.Digits(2);
  if (!d) return fail("expected YYYY-MM-DD");
  t.year = *y;
  t.month = *mo;
  t.day = *d;
  namespace chr = std::chrono;
  if (t.month < 1 || t.month > 12) return fail("month out of range");
  chr::year_month_day ymd{chr::year(t.year), chr::month(t.month), chr::day(t.day)};
  if (!ymd.ok()) return fail("day out of range for the month");
  if (c.AtEnd()) return t;  // bare date: local midnight
  if (!c.Consume('T') && !c.Consume('t') && !c.Consume(' ')) return fail("expected 'T' after date");
  auto hh = c.Digits(2);
  if (!hh || !c.Consume(':')) return fail("expected HH:MM");
  auto mi = c.Digits(2);
  if (!mi) return fail("expected HH:MM");
  if (*hh > 23) return fail("hour out of range");
  if (*mi > 59) return fail("minute out of range");
  t.hour = *hh;
  t.minute = *mi;
  if (c.Consume(':')) {
    auto ss = c.Digits(2);
    if (!ss) return fail("expected seconds after ':'");
    if (*ss > 60) return fail("second out of range");
    t.second = *ss;
    if (c.Consume('.')) {
      auto f = c.FractionNanos();
      if (!f) return fail("expected digits after '.'");
      t.frac_nanos = *f;
    }
  }
  if (!c.AtEnd()) {
    t.offset_seconds = ParseOffset(c);
    if (!t.offset_seconds) return fail("bad UTC offset");
  }
  if (!c.AtEnd()) return fail("trailing characters");
  return t;
}

}  // namespace

namespace {

std::optional<int64_t> UtcOffsetAt(int64_t epoch_seconds) {
  time_t t = static_cast<time_t>(epoch_seconds);
  struct tm tm;
  if (localtime_r(&t, &tm) == nullptr) return std::nullopt;
  return tm.tm_gmtoff;
}

// Maps a local wall-clock reading (seconds since 1970-01-01T00:00:00 *local*) to an instant,
// deterministically. (mktime with tm_isdst = -1 is not: glibc resolves ambiguous times using a
// guess cached from earlier calls.) The offsets in effect a day before and a day after bracket
// any single transition; each gives a candidate that is valid if it reads back as `local`.
std::optional<int64_t> LocalToEpoch(int64_t local) {
  auto before = UtcOffsetAt(local - 86400), after = UtcOffsetAt(local + 86400);
  if (!before || !after) return std::nullopt;
  auto valid = [&](int64_t t) {
    auto o = UtcOffsetAt(t);
    return o && t + *o == local;
  };
  int64_t t1 = local - *before, t2 = local - *after;
  bool v1 = valid(t1), v2 = valid(t2);
  if (v1 && v2) return std::min(t1, t2);  // repeated hour: the first occurrence
  if (v2) return t2;
  return t1;  // valid, or in a skipped hour: read with the offset in effect before the gap
}

}  // namespace

Result<Time90k> ParseTime(std::string_view text) {
  NJ_TRY(CivilTime t, ParseCivil(text));
  namespace chr = std::chrono;
  chr::sys_days days{chr::year_month_day{chr::year(t.year), chr::month(t.month), chr::day(t.day)}};
  // The fields read as if they were UTC; a leap second ":60" simply carries into the next minute.
  int64_t fields_seconds = static_cast<int64_t>(days.time_since_epoch().count()) * 86400 +
                           int64_t{t.hour} * 3600 + int64_t{t.minute} * 60 + t.second;
  int64_t epoch_seconds;
  if (t.offset_seconds) {
    epoch_seconds = fields_seconds - *t.offset_seconds;
  } else {
    auto e = LocalToEpoch(fields_seconds);
    if (!e) {
      return Err(ErrorCode::kInvalidArgument,
                 "invalid time " + Quote(text) + ": not representable in the local time zone");
    }
    epoch_seconds = *e;
  }
  // Round the fraction to the nearest tick; a carry into the next second is fine.
  int64_t frac_ticks = (t.frac_nanos * kTicksPerSecond + 500'000'000) / 1'000'000'000;
  return Time90k(epoch_seconds * kTicksPerSecond + frac_ticks);
}

namespace {

// "." and `frac_digits` digits of sub_ticks / kTicksPerSecond (0 <= sub_ticks < 90000), truncated.
std::string FormatFraction(int64_t sub_ticks, int frac_digits) {
  if (frac_digits <= 0) return {};
  int64_t scale = 1;
  for (int i = 0; i < frac_digits; ++i) scale *= 10;
  int64_t v = sub_ticks * scale / kTicksPerSecond;
  std::string out(static_cast<size_t>(frac_digits) + 1, '0');
  out[0] = '.';
  for (int i = frac_digits; i > 0 && v > 0; --i, v /= 10) out[static_cast<size_t>(i)] += v % 10;
  return out;
}

std::string FormatBrokenDown(const struct tm& tm) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string Unrepresentable(Time90k t) {
  return "<unrepresentable time " + std::to_string(t.ticks()) + " ticks>";
}

}  // namespace

std::string FormatTimeLocal(Time90k t, int frac_digits) {
  frac_digits = std::clamp(frac_digits, 0, 6);
  time_t s = static_cast<time_t>(t.ToUnixSeconds());
  struct tm tm;
  if (localtime_r(&s, &tm) == nullptr) return Unrepresentable(t);
  std::string out = FormatBrokenDown(tm);
  out += FormatFraction(t.ticks() - t.ToUnixSeconds() * kTicksPerSecond, frac_digits);
  // Zone offsets are within a day; seconds (local mean time before ~1900) cannot be expressed.
  int off = static_cast<int>(tm.tm_gmtoff % 86400);
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%c%02d:%02d", sign, off / 3600, off / 60 % 60);
  out += buf;
  return out;
}

std::string FormatTimeUtc(Time90k t, int frac_digits) {
  frac_digits = std::clamp(frac_digits, 0, 6);
  time_t s = static_cast<time_t>(t.ToUnixSeconds());
  struct tm tm;
  if (gmtime_r(&s, &tm) == nullptr) return Unrepresentable(t);
  std::string out = FormatBrokenDown(tm);
  out += FormatFraction(t.ticks() - t.ToUnixSeconds() * kTicksPerSecond, frac_digits);
  out += 'Z';
  return out;
}

std::string FormatLocalDateTime(Time90k t) {
  time_t s = static_cast<time_t>(t.ToUnixSeconds());
  struct tm tm;
  if (localtime_r(&s, &tm) == nullptr) return Unrepresentable(t);
  return FormatBrokenDown(tm);
}

// ---- Durations ---------------------------------------------------------------------------------

namespace {

struct DurationUnit {
  std::string_view name;
  int64_t ticks_x100;  // hundredths of a tick per unit, so that microseconds (9/100 tick) are exact
};

// Longest names first so "ms" wins over "m".
constexpr DurationUnit kUnits[] = {
    {"ms", 100 * kTicksPerMilli},      {"us", 9},
    {"d", 100 * (24 * kTicksPerHour)}, {"h", 100 * kTicksPerHour},
    {"m", 100 * kTicksPerMinute},      {"s", 100 * kTicksPerSecond},
};

// One or more decimal digits as an int64, or nullopt on no digits / overflow.
std::optional<int64_t> ParseWhole(Cursor& c, bool& overflow) {
  int64_t v = 0;
  bool any = false;
  while (c.Peek() >= '0' && c.Peek() <= '9') {
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c.Peek() - '0', &v)) {
      overflow = true;
      return std::nullopt;
    }
    c.Consume(c.Peek());
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

// Ticks for `whole` units plus a fraction (in nanos of a unit), rounded, with overflow checks.
std::optional<int64_t> ComponentTicks(int64_t whole, int64_t frac_nanos, const DurationUnit& u) {
  int64_t x100;
  if (__builtin_mul_overflow(whole, u.ticks_x100, &x100)) return std::nullopt;
  // frac_nanos < 1e9 and ticks_x100 <= 7.8e11, so the 128-bit product cannot overflow.
  auto frac_x100 =
      static_cast<int64_t>(static_cast<__int128>(frac_nanos) * u.ticks_x100 / 1'000'000'000);
  if (__builtin_add_overflow(x100, frac_x100, &x100)) return std::nullopt;
  if (__builtin_add_overflow(x100, 50, &x100)) return std::nullopt;
  return x100 / 100;
}

}  // namespace

Result<Duration90k> ParseDuration(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Err(ErrorCode::kInvalidArgument,
               "invalid duration " + Quote(text) + ": " + std::string(why));
  };
  Cursor c(text);
  bool negative = c.Consume('-');
  if (c.Rest() == "0") return Duration90k(0);
  if (c.AtEnd()) return fail("empty");
  int64_t total = 0;
  while (!c.AtEnd()) {
    bool overflow = false;
    auto whole = ParseWhole(c, overflow);
    if (!whole) return fail(overflow ? "out of range" : "expected a number");
    int64_t frac_nanos = 0;
    if (c.Consume('.')) {
      auto f = c.FractionNanos();
      if (!f) return fail("expected digits after '.'");
      frac_nanos = *f;
    }
    const DurationUnit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (c.Consume(u.name)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return fail("expected a unit (d, h, m, s, ms, us)");
    auto ticks = ComponentTicks(*whole, frac_nanos, *unit);
    if (!ticks || __builtin_add_overflow(total, *ticks, &total)) return fail("out of range");
  }
  return Duration90k(negative ? -total : total);
}

std::string FormatDuration(Duration90k d) {
  int64_t t = d.ticks();
  if (t == 0) return "0s";
  std::string out;
  // Magnitude as unsigned so that INT64_MIN does not overflow on negation.
  uint64_t mag = t < 0 ? 0 - static_cast<uint64_t>(t) : static_cast<uint64_t>(t);
  if (t < 0) out += '-';
  uint64_t sub = mag % kTicksPerSecond;
  uint64_t secs = mag / kTicksPerSecond;
  if (secs == 0 && sub * 1000 % kTicksPerSecond == 0) {
    return out + std::to_string(sub * 1000 / kTicksPerSecond) + "ms";
  }
  uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
  if (h != 0) out += std::to_string(h) + "h";
  if (m != 0) out += std::to_string(m) + "m";
  if (s != 0 || sub != 0) {
    out += std::to_string(s);
    if (sub != 0) {
      std::string frac = FormatFraction(static_cast<int64_t>(sub), 6);
      while (frac.back() == '0') frac.pop_back();
      if (frac != ".") out += frac;
    }
    out += 's';
  }
  return out;
}

// ---- NTP ---------------------------------------------------------------------------------------

Time90k NtpToTime90k(uint64_t ntp) {
  int64_t secs = static_cast<int64_t>(ntp >> 32);
  if ((secs & 0x80000000) == 0) secs += int64_t{1} << 32;  // era 1: 2036-02-07 onwards
  uint64_t frac = ntp & 0xffffffff;
  int64_t frac_ticks = static_cast<int64_t>((frac * kTicksPerSecond + (uint64_t{1} << 31)) >> 32);
  return Time90k((secs - kNtpToUnixSeconds) * kTicksPerSecond + frac_ticks);
}

uint64_t Time90kToNtp(Time90k t) {
  int64_t unix_secs = t.ToUnixSeconds();
  int64_t sub = t.ticks() - unix_secs * kTicksPerSecond;  // 0 <= sub < 90000
  // Round to the nearest 2^-32 s; sub < 90000 so the fraction never reaches 2^32.
  uint64_t frac = ((static_cast<uint64_t>(sub) << 32) + kTicksPerSecond / 2) / kTicksPerSecond;
  uint64_t secs = static_cast<uint64_t>(unix_secs + kNtpToUnixSeconds) & 0xffffffff;
  return (secs << 32) | frac;
}

std::ostream& operator<<(std::ostream& os, Time90k t) {
  return os << FormatTimeUtc(t, 6) << " (" << t.ticks() << " ticks)";
}

std::ostream& operator<<(std::ostream& os, Duration90k d) {
  return os << FormatDuration(d) << " (" << d.ticks() << " ticks)";
}

CalendarDay CalendarDayOf(int64_t unix_s, std::optional<int64_t> offset_s) {
  char buf[16];
  CalendarDay d;
  if (offset_s) {
    const int64_t local = unix_s + *offset_s;
    const int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    const std::time_t midnight = static_cast<std::time_t>(day * 86400);
    std::tm tm{};
    gmtime_r(&midnight, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    d.begin = day * 86400 - *offset_s;
    d.end = d.begin + 86400;
  } else {
    const std::time_t t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    std::tm start = tm;
    start.tm_hour = start.tm_min = start.tm_sec = 0;
    start.tm_isdst = -1;
    std::tm next = start;
    next.tm_mday += 1;
    d.begin = mktime(&start);
    d.end = mktime(&next);
    if (d.end <= unix_s) d.end = unix_s + 1;  // a time zone without that midnight: keep moving
  }
  d.date = buf;
  return d;
}

std::optional<int64_t> ParseUtcOffset(std::string_view s) {
  if (s == "Z" || s == "UTC") return 0;
  if (s.size() != 6 && s.size() != 5) return std::nullopt;
  if (s[0] != '+' && s[0] != '-') return std::nullopt;
  const std::string_view hh = s.substr(1, 2);
  const std::string_view mm = s.size() == 6 ? s.substr(4, 2) : s.substr(3, 2);
  if (s.size() == 6 && s[3] != ':') return std::nullopt;
  auto h = ParseInt64(hh, 0, 14), m = ParseInt64(mm, 0, 59);
  if (!h || !m) return std::nullopt;
  const int64_t secs = *h * 3600 + *m * 60;
  return s[0] == '-' ? -secs : secs;
}

}  // namespace nightjar
