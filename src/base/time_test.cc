#include "base/time.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <sstream>
#include <string>

namespace nightjar {
namespace {

// Sets TZ for the scope of a test and restores it afterwards, so tests do not depend on the
// machine's zone and do not leak theirs.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

// 2026-02-19T14:00:00Z, computed independently (calendar.timegm).
constexpr int64_t kFeb19_14Z = 1771509600;

Time90k At(int64_t unix_seconds, int64_t extra_ticks = 0) {
  return Time90k(unix_seconds * kTicksPerSecond + extra_ticks);
}

Time90k MustParse(std::string_view s) {
  auto r = ParseTime(s);
  EXPECT_TRUE(r.has_value()) << s << ": " << r.error().ToString();
  return r.value_or(Time90k(0));
}

TEST(Duration90kTest, ConstructorsAndConversions) {
  EXPECT_EQ(kTicksPerSecond, 90000);
  EXPECT_EQ(Duration90k::FromSeconds(2).ticks(), 180000);
  EXPECT_EQ(Duration90k::FromMillis(250).ticks(), 22500);
  EXPECT_EQ(Duration90k::FromNanos(1'000'000'000).ticks(), 90000);
  EXPECT_EQ(Duration90k::FromNanos(123456789).ticks(), 11111);  // 11111.11 truncated
  EXPECT_EQ(Duration90k::FromNanos(-123456789).ticks(), -11111);
  EXPECT_EQ(Duration90k(135000).ToSeconds(), 1.5);
  EXPECT_EQ(Duration90k(135000).ToWholeSeconds(), 1);
  EXPECT_EQ(Duration90k(-135000).ToWholeSeconds(), -1);  // toward zero
  EXPECT_EQ(Duration90k(22545).ToMillis(), 250);
  EXPECT_EQ(Duration90k(10).ToNanos().count(), 111111);
  EXPECT_EQ(Duration90k::FromSeconds(3).ToNanos().count(), 3'000'000'000);
  // A year of ticks converts without overflow.
  EXPECT_EQ(Duration90k::FromSeconds(86400LL * 365 * 200).ToNanos().count(),
            86400LL * 365 * 200 * 1'000'000'000);
}

TEST(Duration90kTest, Arithmetic) {
  Duration90k a(100), b(30);
  EXPECT_EQ((a + b).ticks(), 130);
  EXPECT_EQ((a - b).ticks(), 70);
  EXPECT_EQ((-a).ticks(), -100);
  EXPECT_EQ((a * 3).ticks(), 300);
  EXPECT_EQ((3 * a).ticks(), 300);
  EXPECT_EQ((a / 3).ticks(), 33);
  EXPECT_EQ(a / b, 3);
  EXPECT_EQ((a % b).ticks(), 10);
  Duration90k c = a;
  c += b;
  EXPECT_EQ(c.ticks(), 130);
  c -= a;
  EXPECT_EQ(c, b);
  EXPECT_LT(b, a);
  EXPECT_GT(a, b);
  EXPECT_LE(a, Duration90k(100));
  EXPECT_NE(a, b);
  EXPECT_EQ(Duration90k(), Duration90k(0));
}

TEST(Time90kTest, Arithmetic) {
  Time90k t = At(kFeb19_14Z);
  Duration90k minute = Duration90k::FromSeconds(60);
  EXPECT_EQ(t + minute, At(kFeb19_14Z + 60));
  EXPECT_EQ(minute + t, At(kFeb19_14Z + 60));
  EXPECT_EQ(t - minute, At(kFeb19_14Z - 60));
  EXPECT_EQ((t + minute) - t, minute);
  EXPECT_EQ(t - (t + minute), -minute);
  Time90k u = t;
  u += minute;
  EXPECT_GT(u, t);
  u -= minute;
  EXPECT_EQ(u, t);
  EXPECT_LT(At(0), At(1));
}

TEST(Time90kTest, UnixConversionsFloor) {
  EXPECT_EQ(Time90k::FromUnixSeconds(kFeb19_14Z).ticks(), kFeb19_14Z * 90000);
  EXPECT_EQ(Time90k::FromUnixMillis(1500).ticks(), 135000);
  EXPECT_EQ(Time90k(135000).ToUnixSeconds(), 1);
  EXPECT_EQ(Time90k(135000).ToUnixMillis(), 1500);
  // Before 1970, floor keeps -0.5 s in the second that starts at -1.
  EXPECT_EQ(Time90k(-45000).ToUnixSeconds(), -1);
  EXPECT_EQ(Time90k(-1).ToUnixMillis(), -1);
  EXPECT_EQ(Time90k(-90000).ToUnixSeconds(), -1);
  struct timespec ts = {.tv_sec = 10, .tv_nsec = 500'000'000};
  EXPECT_EQ(Time90k::FromTimespec(ts), At(10, 45000));
}

TEST(ParseTimeTest, Rfc3339WithOffsets) {
  EXPECT_EQ(MustParse("2026-02-19T14:00:00Z"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19t14:00:00z"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19 14:00:00Z"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19T15:00:00+01:00"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19T15:00:00+0100"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19T15:00:00+01"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19T08:30:00-0530"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19T14:00:00-00:00"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("2026-02-19T14:00Z"), At(kFeb19_14Z));
  EXPECT_EQ(MustParse("1970-01-01T00:00:00Z"), Time90k(0));
  EXPECT_EQ(MustParse("1969-12-31T23:59:59.5Z"), Time90k(-45000));
  EXPECT_EQ(MustParse("2024-02-29T00:00:00Z"), At(1709164800));  // leap day
  EXPECT_EQ(MustParse("2026-02-19T23:59:60Z"), MustParse("2026-02-20T00:00:00Z"));
}

TEST(ParseTimeTest, FractionalSecondsRoundToNearestTick) {
  EXPECT_EQ(MustParse("2026-02-19T15:00:00.5+01:00"), At(kFeb19_14Z, 45000));
  EXPECT_EQ(MustParse("2026-02-19T14:00:00.123Z"), At(kFeb19_14Z, 11070));
  // 1 tick = 11.11 us: 5 us rounds down to 0 ticks, 6 us up to 1.
  EXPECT_EQ(MustParse("2026-02-19T14:00:00.000005Z"), At(kFeb19_14Z, 0));
  EXPECT_EQ(MustParse("2026-02-19T14:00:00.000006Z"), At(kFeb19_14Z, 1));
  // Digits past nanoseconds are accepted and ignored.
  EXPECT_EQ(MustParse("2026-02-19T14:00:00.1234567891234Z"), At(kFeb19_14Z, 11111));
  // Rounding may carry into the next second.
  EXPECT_EQ(MustParse("2026-02-19T14:00:00.999999999Z"), At(kFeb19_14Z + 1));
}

TEST(ParseTimeTest, RejectsInvalidInputNamingIt) {
  const char* bad[] = {
      "",
      "2026-13-01T00:00:00Z",       // month 13
      "2026-00-01T00:00:00Z",       // month 0
      "2026-02-30T00:00:00Z",       // Feb 30
      "2025-02-29T00:00:00Z",       // not a leap year
      "2026-04-31T00:00:00",        // April has 30 days
      "2026-02-00T00:00:00",        // day 0
      "2026-02-19T24:00:00Z",       // hour 24
      "2026-02-19T14:60:00Z",       // minute 60
      "2026-02-19T14:00:61Z",       // second 61
      "2026-02-19T14:00:00Zjunk",   // trailing junk
      "2026-02-19T14:00:00 ",       // trailing space
      "2026-02-19T14:00:00.Z",      // no fraction digits
      "2026-02-19T14:00:00+24:00",  // offset hour
      "2026-02-19T14:00:00+01:60",  // offset minute
      "2026-02-19T14:00:00+01:",    // truncated offset
      "2026-02-19T14:00:00+1",      // one-digit offset
      "2026-2-19T14:00:00Z",        // one-digit month
      "26-02-19T14:00:00Z",         // two-digit year
      "2026-02-19X14:00:00Z",       // bad separator
      "2026-02-19T14",              // no minutes
      "2026-02-19T14:00:0",         // one-digit second
      "now",
  };
  for (const char* s : bad) {
    auto r = ParseTime(s);
    ASSERT_FALSE(r.has_value()) << "accepted \"" << s << "\"";
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << s;
    EXPECT_NE(r.error().message().find(std::string("\"") + s), std::string::npos)
        << r.error().message();
  }
  // An embedded NUL is not mistaken for the end of input.
  auto r = ParseTime(std::string_view("2026-02-19T14:00:00Z\0", 21));
  EXPECT_FALSE(r.has_value());
  // Huge input is quoted only in part.
  std::string huge(100000, '9');
  auto h = ParseTime(huge);
  ASSERT_FALSE(h.has_value());
  EXPECT_LT(h.error().message().size(), 200u);
}

TEST(ParseTimeTest, LocalTimeUsesTz) {
  {
    ScopedTz tz("Europe/Berlin");
    EXPECT_EQ(MustParse("2026-02-19T15:00:00"), At(kFeb19_14Z));  // CET, +01:00
    EXPECT_EQ(MustParse("2026-02-19T15:00:00.5"), At(kFeb19_14Z, 45000));
    EXPECT_EQ(MustParse("2026-02-19T15:00"), At(kFeb19_14Z));
    EXPECT_EQ(MustParse("2026-02-19"), At(kFeb19_14Z - int64_t{15} * 3600));  // local midnight
    // Summer: CEST, +02:00.
    EXPECT_EQ(MustParse("2026-07-01T12:00:00"), MustParse("2026-07-01T10:00:00Z"));
  }
  {
    ScopedTz tz("America/New_York");
    EXPECT_EQ(MustParse("2026-02-19T09:00:00"), At(kFeb19_14Z));  // EST, -05:00
  }
  {
    ScopedTz tz("UTC");
    EXPECT_EQ(MustParse("2026-02-19T14:00:00"), At(kFeb19_14Z));
  }
}

TEST(ParseTimeTest, LocalTimeAcrossDstTransitions) {
  ScopedTz tz("Europe/Berlin");
  // Spring forward: 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z).
  const int64_t spring = 1774746000;
  EXPECT_EQ(MustParse("2026-03-29T01:59:59"), At(spring - 1));
  EXPECT_EQ(MustParse("2026-03-29T03:00:00"), At(spring));
  // 02:30 does not exist: read with the offset before the gap (+01:00).
  EXPECT_EQ(MustParse("2026-03-29T02:30:00"), At(spring + 1800));
  // Fall back: 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z); 02:30 happens twice.
  const int64_t fall = 1792890000;
  EXPECT_EQ(MustParse("2026-10-25T01:59:59"), At(fall - 3600 - 1));
  EXPECT_EQ(MustParse("2026-10-25T03:00:00"), At(fall + 3600));
  // The first occurrence (CEST), whatever was parsed before (glibc's mktime would depend on it).
  EXPECT_EQ(MustParse("2026-07-01T12:00:00"), MustParse("2026-07-01T10:00:00Z"));
  EXPECT_EQ(MustParse("2026-10-25T02:30:00"), At(fall - 1800));
  EXPECT_EQ(MustParse("2026-01-01T12:00:00"), MustParse("2026-01-01T11:00:00Z"));
  EXPECT_EQ(MustParse("2026-10-25T02:30:00"), At(fall - 1800));
}

TEST(FormatTimeTest, Utc) {
  EXPECT_EQ(FormatTimeUtc(At(kFeb19_14Z, 11070)), "2026-02-19T14:00:00.123Z");
  EXPECT_EQ(FormatTimeUtc(At(kFeb19_14Z, 11070), 0), "2026-02-19T14:00:00Z");
  EXPECT_EQ(FormatTimeUtc(At(kFeb19_14Z, 1), 6), "2026-02-19T14:00:00.000011Z");
  EXPECT_EQ(FormatTimeUtc(At(kFeb19_14Z, 45000), 1), "2026-02-19T14:00:00.5Z");
  EXPECT_EQ(FormatTimeUtc(At(kFeb19_14Z), 99), "2026-02-19T14:00:00.000000Z");  // clamped
  // Truncated, never rounded up into the next second.
  EXPECT_EQ(FormatTimeUtc(At(kFeb19_14Z, 89999)), "2026-02-19T14:00:00.999Z");
  EXPECT_EQ(FormatTimeUtc(Time90k(-45000)), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FormatTimeUtc(Time90k(0), 0), "1970-01-01T00:00:00Z");
}

TEST(FormatTimeTest, LocalWithOffset) {
  {
    ScopedTz tz("Europe/Berlin");
    EXPECT_EQ(FormatTimeLocal(At(kFeb19_14Z, 11070)), "2026-02-19T15:00:00.123+01:00");
    EXPECT_EQ(FormatLocalDateTime(At(kFeb19_14Z, 11070)), "2026-02-19T15:00:00");
    // Either side of spring forward.
    EXPECT_EQ(FormatTimeLocal(At(1774746000 - 1), 0), "2026-03-29T01:59:59+01:00");
    EXPECT_EQ(FormatTimeLocal(At(1774746000), 0), "2026-03-29T03:00:00+02:00");
    // The repeated hour is told apart by its offset.
    EXPECT_EQ(FormatTimeLocal(At(1792890000 - 1800), 0), "2026-10-25T02:30:00+02:00");
    EXPECT_EQ(FormatTimeLocal(At(1792890000 + 1800), 0), "2026-10-25T02:30:00+01:00");
  }
  {
    ScopedTz tz("America/St_Johns");  // -03:30 in winter
    EXPECT_EQ(FormatTimeLocal(At(kFeb19_14Z), 0), "2026-02-19T10:30:00-03:30");
  }
  {
    ScopedTz tz("Asia/Kolkata");
    EXPECT_EQ(FormatTimeLocal(At(kFeb19_14Z), 0), "2026-02-19T19:30:00+05:30");
  }
  {
    ScopedTz tz("UTC");
    EXPECT_EQ(FormatTimeLocal(At(kFeb19_14Z), 0), "2026-02-19T14:00:00+00:00");
  }
}

TEST(FormatTimeTest, RoundTripsThroughParseAtSixDigits) {
  ScopedTz tz("Europe/Berlin");
  std::mt19937_64 rng(42);
  // UTC: years ~1574..5140. Local: from 1970 on, after Berlin's local mean time (+00:53:28),
  // whose seconds an RFC 3339 offset cannot express.
  std::uniform_int_distribution<int64_t> utc_dist(-(int64_t{1} << 50), int64_t{1} << 53);
  std::uniform_int_distribution<int64_t> local_dist(0, int64_t{1} << 53);
  for (int i = 0; i < 2000; ++i) {
    Time90k t(utc_dist(rng));
    ASSERT_EQ(MustParse(FormatTimeUtc(t, 6)), t) << FormatTimeUtc(t, 6);
    Time90k l(local_dist(rng));
    ASSERT_EQ(MustParse(FormatTimeLocal(l, 6)), l) << FormatTimeLocal(l, 6);
  }
  // The seed NVR format round-trips whole seconds, including in the repeated hour's first pass.
  Time90k whole = At(1792890000 - 1800);
  EXPECT_EQ(MustParse(FormatLocalDateTime(whole)), whole);
}

TEST(DurationTextTest, Parse) {
  struct Case {
    const char* text;
    int64_t ticks;
  } cases[] = {
      {"0", 0},
      {"-0", 0},
      {"90s", 90 * kTicksPerSecond},
      {"5m", 5 * kTicksPerMinute},
      {"1h30m", kTicksPerHour + 30 * kTicksPerMinute},
      {"250ms", 250 * kTicksPerMilli},
      {"1.5s", 135000},
      {"0.5h", 30 * kTicksPerMinute},
      {"2d", 48 * kTicksPerHour},
      {"100us", 9},
      {"1us", 0},  // 0.09 tick rounds to 0
      {"6us", 1},  // 0.54 tick rounds to 1
      {"1m1s1ms", kTicksPerMinute + kTicksPerSecond + kTicksPerMilli},
      {"30s1m", kTicksPerMinute + 30 * kTicksPerSecond},  // order is free; components add
      {"-5s", -5 * kTicksPerSecond},
      {"0s", 0},
  };
  for (const auto& c : cases) {
    auto r = ParseDuration(c.text);
    ASSERT_TRUE(r.has_value()) << c.text << ": " << r.error().ToString();
    EXPECT_EQ(r->ticks(), c.ticks) << c.text;
  }
}

TEST(DurationTextTest, ParseRejects) {
  const char* bad[] = {"",
                       "-",
                       "90",
                       "s",
                       "5 m",
                       "5M",
                       "1h 30m",
                       "1.s",
                       ".5s",
                       "5x",
                       "5mss",
                       "--5s",
                       "+5s",
                       "1e3s",
                       "5min",
                       "1h30",
                       "99999999999999999999s",
                       "9999999999999999d"};
  for (const char* s : bad) {
    auto r = ParseDuration(s);
    ASSERT_FALSE(r.has_value()) << "accepted \"" << s << "\" as " << r->ticks();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(std::string("\"") + s), std::string::npos);
  }
}

TEST(DurationTextTest, Format) {
  EXPECT_EQ(FormatDuration(Duration90k(0)), "0s");
  EXPECT_EQ(FormatDuration(Duration90k::FromSeconds(45)), "45s");
  EXPECT_EQ(FormatDuration(Duration90k::FromSeconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(Duration90k::FromSeconds(5400)), "1h30m");
  EXPECT_EQ(FormatDuration(Duration90k::FromSeconds(int64_t{3600} * 50)), "50h");
  EXPECT_EQ(FormatDuration(Duration90k::FromMillis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Duration90k::FromMillis(60500)), "1m0.5s");
  EXPECT_EQ(FormatDuration(Duration90k::FromMillis(3600001)), "1h0.001s");
  EXPECT_EQ(FormatDuration(Duration90k(1)), "0.000011s");
  EXPECT_EQ(FormatDuration(Duration90k::FromSeconds(-5)), "-5s");
  EXPECT_EQ(FormatDuration(Duration90k::FromMillis(-250)), "-250ms");
  EXPECT_FALSE(FormatDuration(Duration90k(INT64_MIN)).empty());  // no overflow on negation
}

TEST(DurationTextTest, FormatParseRoundTripForWholeMillis) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> dist(-(int64_t{1} << 36), int64_t{1} << 36);
  for (int i = 0; i < 2000; ++i) {
    Duration90k d = Duration90k::FromMillis(dist(rng));
    auto r = ParseDuration(FormatDuration(d));
    ASSERT_TRUE(r.has_value()) << FormatDuration(d);
    ASSERT_EQ(*r, d) << FormatDuration(d);
  }
}

TEST(NtpTest, KnownValues) {
  constexpr uint64_t kUnixEpochNtp = uint64_t{2208988800} << 32;
  EXPECT_EQ(NtpToTime90k(kUnixEpochNtp), Time90k(0));
  EXPECT_EQ(Time90kToNtp(Time90k(0)), kUnixEpochNtp);
  // Half a second is 2^31 in the fraction.
  EXPECT_EQ(NtpToTime90k(kUnixEpochNtp | 0x80000000), Time90k(45000));
  EXPECT_EQ(Time90kToNtp(Time90k(45000)), kUnixEpochNtp | 0x80000000);
  uint64_t feb19 = static_cast<uint64_t>(kFeb19_14Z + 2208988800) << 32;
  EXPECT_EQ(NtpToTime90k(feb19), At(kFeb19_14Z));
  // Era 1: seconds wrap to 0 at 2036-02-07T06:28:16Z.
  EXPECT_EQ(NtpToTime90k(0), At(2085978496));
  EXPECT_EQ(Time90kToNtp(At(2085978496)), 0u);
  EXPECT_EQ(NtpToTime90k(uint64_t{100} << 32), At(2085978496 + 100));
}

TEST(NtpTest, RoundTripsEveryTick) {
  std::mt19937_64 rng(3);
  // 1968..2104, the window RFC 4330's era rule covers.
  std::uniform_int_distribution<int64_t> dist(-int64_t{60000000} * kTicksPerSecond,
                                              int64_t{4200000000} * kTicksPerSecond);
  for (int i = 0; i < 5000; ++i) {
    Time90k t(dist(rng));
    ASSERT_EQ(NtpToTime90k(Time90kToNtp(t)), t) << t;
  }
  for (int64_t sub = 0; sub < kTicksPerSecond; sub += 997) {
    ASSERT_EQ(NtpToTime90k(Time90kToNtp(At(kFeb19_14Z, sub))), At(kFeb19_14Z, sub));
  }
}

TEST(NtpTest, ShortFormats) {
  uint64_t ntp = 0x0123456789abcdefULL;
  EXPECT_EQ(NtpMiddle32(ntp), 0x456789abu);
  EXPECT_EQ(NtpShortToDuration(65536), Duration90k::FromSeconds(1));
  EXPECT_EQ(NtpShortToDuration(32768), Duration90k(45000));
  EXPECT_EQ(NtpShortToDuration(0), Duration90k(0));
  EXPECT_EQ(NtpShortToDuration(0xffffffff).ToWholeSeconds(), 65535);
}

TEST(TimePrintTest, StreamsForTestMessages) {
  std::ostringstream os;
  os << At(kFeb19_14Z) << " " << Duration90k::FromSeconds(90);
  EXPECT_EQ(os.str(), "2026-02-19T14:00:00.000000Z (159435864000000 ticks) 1m30s (8100000 ticks)");
}

TEST(CalendarDay, FixedOffsetsAndParsing) {
  // 2026-02-19T23:30:00Z is the 20th at +01:00 and the 19th at -05:00.
  const int64_t t = 1'771'543'800;
  CalendarDay d = CalendarDayOf(t, 3600);
  EXPECT_EQ(d.date, "2026-02-20");
  EXPECT_EQ(d.begin, t - 1800);  // local midnight, 23:00Z
  EXPECT_EQ(d.end - d.begin, 86400);
  EXPECT_LE(d.begin, t);
  EXPECT_GT(d.end, t);
  EXPECT_EQ(CalendarDayOf(t, -5 * 3600).date, "2026-02-19");
  EXPECT_EQ(CalendarDayOf(-1, 0).date, "1969-12-31");
  EXPECT_EQ(ParseUtcOffset("+01:00"), 3600);
  EXPECT_EQ(ParseUtcOffset("-0530"), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(ParseUtcOffset("Z"), 0);
  EXPECT_FALSE(ParseUtcOffset("+1:00"));
  EXPECT_FALSE(ParseUtcOffset("+15:00"));
  EXPECT_FALSE(ParseUtcOffset("01:00"));
}

}  // namespace
}  // namespace nightjar
