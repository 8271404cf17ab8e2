// Time for all of Nightjar: 90 kHz wall-clock instants and durations.
//
// This module owns the two strong types every other module uses for time, Time90k (an instant) and
// Duration90k (a span), their arithmetic, and all parsing and formatting of times and durations
// that cross a boundary (HTTP query parameters, CLI flags, config values, JSON, RTCP).
//
// Why 90 kHz: RTP video clocks (RFC 3551 §5, RFC 6184 §5.1) and our MP4 timescale both use it, so
// frame durations are exact integers and never round-trip through floating point. One tick is
// 1/90000 s (about 11.1 µs); an int64 of ticks spans about 3.2 million years.
//
// Time90k is *wall* time (ticks since 1970-01-01T00:00:00Z, ignoring leap seconds like POSIX
// time_t). Media time (RTP timestamps, sample durations) is kept as Duration90k offsets within a
// recording; the two are never mixed implicitly.
//
// Arithmetic does not check for overflow: values are bounded by the ±2^62 ticks that any real
// instant or span stays far within. Everything parsed from text *is* range-checked, so peer input
// can never produce an overflow here.
//
// Thread safety: all types are values; all functions are pure except that local-time parsing and
// formatting read the process's time zone (TZ), like localtime_r(3).
#ifndef NIGHTJAR_BASE_TIME_H_
#define NIGHTJAR_BASE_TIME_H_

#include <chrono>
#include <compare>
#include <cstdint>
#include <ctime>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace nightjar {

inline constexpr int64_t kTicksPerSecond = 90000;
inline constexpr int64_t kTicksPerMilli = 90;
inline constexpr int64_t kTicksPerMinute = 60 * kTicksPerSecond;
inline constexpr int64_t kTicksPerHour = 60 * kTicksPerMinute;

// A signed span of time in 90 kHz ticks.
class Duration90k {
 public:
  constexpr Duration90k() = default;
  constexpr explicit Duration90k(int64_t ticks) : ticks_(ticks) {}

  static constexpr Duration90k FromSeconds(int64_t s) { return Duration90k(s * kTicksPerSecond); }
  static constexpr Duration90k FromMillis(int64_t ms) { return Duration90k(ms * kTicksPerMilli); }
  // Truncates toward zero (1 tick = 11111.1 ns).
  static constexpr Duration90k FromNanos(int64_t ns) {
    return Duration90k(ns / 100000 * 9 + ns % 100000 * 9 / 100000);
  }

  constexpr int64_t ticks() const { return ticks_; }
  constexpr double ToSeconds() const { return static_cast<double>(ticks_) / kTicksPerSecond; }
  // Whole units, truncated toward zero (like std::chrono::duration_cast).
  constexpr int64_t ToWholeSeconds() const { return ticks_ / kTicksPerSecond; }
  constexpr int64_t ToMillis() const { return ticks_ / kTicksPerMilli; }
  // For Asio timers and std::chrono: truncated toward zero to whole nanoseconds; no overflow for
  // spans up to ~290 years.
  constexpr std::chrono::nanoseconds ToNanos() const {
    return std::chrono::nanoseconds(ticks_ / 9 * 100000 + ticks_ % 9 * 100000 / 9);
  }

  constexpr Duration90k operator-() const { return Duration90k(-ticks_); }
  constexpr Duration90k& operator+=(Duration90k d) {
    ticks_ += d.ticks_;
    return *this;
  }
  constexpr Duration90k& operator-=(Duration90k d) {
    ticks_ -= d.ticks_;
    return *this;
  }
  friend constexpr Duration90k operator+(Duration90k a, Duration90k b) {
    return Duration90k(a.ticks_ + b.ticks_);
  }
  friend constexpr Duration90k operator-(Duration90k a, Duration90k b) {
    return Duration90k(a.ticks_ - b.ticks_);
  }
  friend constexpr Duration90k operator*(Duration90k a, int64_t k) {
    return Duration90k(a.ticks_ * k);
  }
  friend constexpr Duration90k operator*(int64_t k, Duration90k a) {
    return Duration90k(a.ticks_ * k);
  }
  // Truncates toward zero. k must not be 0.
  friend constexpr Duration90k operator/(Duration90k a, int64_t k) {
    return Duration90k(a.ticks_ / k);
  }
  // How many times b fits in a, truncated toward zero. b must not be zero.
  friend constexpr int64_t operator/(Duration90k a, Duration90k b) { return a.ticks_ / b.ticks_; }
  friend constexpr Duration90k operator%(Duration90k a, Duration90k b) {
    return Duration90k(a.ticks_ % b.ticks_);
  }
  friend constexpr auto operator<=>(Duration90k, Duration90k) = default;

 private:
  int64_t ticks_ = 0;
};

// A wall-clock instant: ticks since the Unix epoch (UTC, POSIX seconds).
class Time90k {
 public:
  constexpr Time90k() = default;
  constexpr explicit Time90k(int64_t ticks) : ticks_(ticks) {}

  static constexpr Time90k FromUnixSeconds(int64_t s) { return Time90k(s * kTicksPerSecond); }
  static constexpr Time90k FromUnixMillis(int64_t ms) { return Time90k(ms * kTicksPerMilli); }
  // Sub-tick nanoseconds are dropped (floor, since tv_nsec is never negative).
  static constexpr Time90k FromTimespec(const struct timespec& ts) {
    return Time90k(static_cast<int64_t>(ts.tv_sec) * kTicksPerSecond +
                   static_cast<int64_t>(ts.tv_nsec) * 9 / 100000);
  }

  constexpr int64_t ticks() const { return ticks_; }
  // Floor, so that instants before 1970 still land in the right second.
  constexpr int64_t ToUnixSeconds() const { return FloorDiv(ticks_, kTicksPerSecond); }
  constexpr int64_t ToUnixMillis() const { return FloorDiv(ticks_, kTicksPerMilli); }
  constexpr double ToSecondsDouble() const { return static_cast<double>(ticks_) / kTicksPerSecond; }

  constexpr Time90k& operator+=(Duration90k d) {
    ticks_ += d.ticks();
    return *this;
  }
  constexpr Time90k& operator-=(Duration90k d) {
    ticks_ -= d.ticks();
    return *this;
  }
  friend constexpr Time90k operator+(Time90k t, Duration90k d) {
    return Time90k(t.ticks_ + d.ticks());
  }
  friend constexpr Time90k operator+(Duration90k d, Time90k t) {
    return Time90k(t.ticks_ + d.ticks());
  }
  friend constexpr Time90k operator-(Time90k t, Duration90k d) {
    return Time90k(t.ticks_ - d.ticks());
  }
  friend constexpr Duration90k operator-(Time90k a, Time90k b) {
    return Duration90k(a.ticks_ - b.ticks_);
  }
  friend constexpr auto operator<=>(Time90k, Time90k) = default;

 private:
  static constexpr int64_t FloorDiv(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
  }
  int64_t ticks_ = 0;
};

// ---- Parsing and formatting of instants -------------------------------------------------------

// Parses an instant in any of the forms we accept at a boundary:
//   - the seed NVR's local time "2026-02-19T14:00:00" (no offset => the process's local time
//     zone, TZ, as localtime_r(3) sees it);
//   - RFC 3339 / ISO 8601 with an offset: "...Z", "...+01:00", "...-0530", "...+01";
//   - optional fractional seconds of any length (".5", ".123456"), rounded to the nearest tick;
//   - "T", "t" or a space between date and time (RFC 3339 §5.6 note); seconds may be omitted
//     ("2026-02-19T14:00", as HTML datetime-local inputs send); a bare date "2026-02-19" means
//     local midnight. A leap second ":60" is accepted and lands on the following second, as in
//     POSIX time. Years 0000-9999.
// Local times are resolved deterministically around DST changes: a time that occurs twice
// (fall-back) means the first occurrence; a time that does not exist (in a spring-forward gap) is
// read with the offset in effect before the gap, so Berlin's "02:30" on the spring-forward day is
// 01:30Z, i.e. 03:30 CEST (the same choices as Python's fold=0).
// Fails with kInvalidArgument (message names the input) on anything else: empty input, an invalid
// calendar date (month 13, Feb 30), an out-of-range field, a bad offset, trailing characters.
Result<Time90k> ParseTime(std::string_view text);

// "2026-02-19T14:00:00.123+01:00": local time with the local UTC offset (always numeric).
// frac_digits (0..6, clamped) fractional-second digits, truncated (never rounded up into the next
// second); 0 omits the fraction. Six digits round-trip exactly through ParseTime.
std::string FormatTimeLocal(Time90k t, int frac_digits = 3);

// "2026-02-19T13:00:00.123Z": the same in UTC.
std::string FormatTimeUtc(Time90k t, int frac_digits = 3);

// "2026-02-19T14:00:00": the seed NVR's format (local time, whole seconds, no offset).
std::string FormatLocalDateTime(Time90k t);

// ---- Calendar days -----------------------------------------------------------------------------

// The calendar day holding a Unix time, and where it and the next one begin (Unix seconds).
struct CalendarDay {
  std::string date;  // "2026-02-19"
  int64_t begin = 0, end = 0;
};
// `offset_s`: a fixed UTC offset (seconds east); nullopt: the local time zone (DST-aware: a day
// may last 23 or 25 hours). Where local midnight does not exist, the day ends after `unix_s`.
CalendarDay CalendarDayOf(int64_t unix_s, std::optional<int64_t> offset_s);

// "+01:00", "-05:30", "+0100", "Z" or "UTC" -> seconds east of UTC (at most 14:59); nullopt else.
std::optional<int64_t> ParseUtcOffset(std::string_view s);

// ---- Durations in config values and human output ----------------------------------------------

// Parses a duration such as "90s", "5m", "1h30m", "250ms", "1.5s", "2d", "100us", or "0".
// Grammar: ["-"] 1*( digits ["." digits] unit ), unit one of d h m s ms us; components add up.
// Fractions are rounded to the nearest tick. Fails with kInvalidArgument on anything else,
// including overflow of the 64-bit tick count.
Result<Duration90k> ParseDuration(std::string_view text);

// Formats for humans and config files: "1h30m", "45s", "250ms", "1m0.5s", "0s", "-5s".
// Sub-second parts below a millisecond are shown to the microsecond (truncated). ParseDuration
// reads the result back (exactly for whole milliseconds).
std::string FormatDuration(Duration90k d);

// ---- NTP timestamps (RFC 3550 §4, RFC 5905 §6) -------------------------------------------------

// 64-bit NTP timestamp: seconds since 1900-01-01T00:00:00Z in the high 32 bits, fraction in the low
// 32. The 32-bit seconds wrap in 2036 (era 1); following RFC 4330 §3 we read values with the top
// bit clear as era 1 (2036-2104) and with it set as era 0 (1968-2036). The fraction is rounded to
// the nearest tick.
Time90k NtpToTime90k(uint64_t ntp);

// The inverse, for instants in 1968..2104 (others wrap modulo 2^32 seconds). Exact for ticks: the
// result converts back to the same Time90k.
uint64_t Time90kToNtp(Time90k t);

// The "middle 32 bits" of an NTP timestamp as used in RTCP LSR fields (RFC 3550 §6.4.1).
constexpr uint32_t NtpMiddle32(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

// A span in NTP short format (1/65536 s units, as in RTCP DLSR), rounded to the nearest tick.
constexpr Duration90k NtpShortToDuration(uint32_t units) {
  return Duration90k((static_cast<int64_t>(units) * kTicksPerSecond + 32768) >> 16);
}

// For test failure messages: "2026-02-19T14:00:00.000000Z (159435864000000 ticks)" and
// "1h30m (486000000 ticks)".
std::ostream& operator<<(std::ostream& os, Time90k t);
std::ostream& operator<<(std::ostream& os, Duration90k d);

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_TIME_H_
