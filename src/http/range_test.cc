#include "http/range.h"

#include <gtest/gtest.h>

namespace nightjar::http {
namespace {

TEST(RangeTest, SingleRanges) {
  auto r = ParseRange("bytes=0-0", 100);
  ASSERT_EQ(r.kind, RangeKind::kSingle);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.length, 1u);
  r = ParseRange("bytes=10-19", 100);
  EXPECT_EQ(r.range.first, 10u);
  EXPECT_EQ(r.range.length, 10u);
  r = ParseRange("bytes=99-99", 100);
  EXPECT_EQ(r.range.first, 99u);
  EXPECT_EQ(r.range.length, 1u);
  r = ParseRange("bytes=90-", 100);  // open-ended
  EXPECT_EQ(r.range.first, 90u);
  EXPECT_EQ(r.range.length, 10u);
  r = ParseRange("bytes=-5", 100);  // suffix
  EXPECT_EQ(r.range.first, 95u);
  EXPECT_EQ(r.range.length, 5u);
  r = ParseRange("bytes=-500", 100);  // suffix longer than the body: all of it
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.length, 100u);
  r = ParseRange("bytes=50-1000", 100);  // last clamped
  EXPECT_EQ(r.range.length, 50u);
}

TEST(RangeTest, UnsatisfiableAndIgnored) {
  EXPECT_EQ(ParseRange("bytes=100-", 100).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=200-300", 100).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=5-3", 100).kind, RangeKind::kIgnore);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 100).kind, RangeKind::kIgnore);
  EXPECT_EQ(ParseRange("items=0-1", 100).kind, RangeKind::kIgnore);
  EXPECT_EQ(ParseRange("bytes=a-b", 100).kind, RangeKind::kIgnore);
  EXPECT_EQ(ParseRange("bytes=-", 100).kind, RangeKind::kIgnore);
  EXPECT_EQ(ParseRange("bytes=99999999999999999999-", 100).kind, RangeKind::kIgnore);
}

TEST(RangeTest, Conditionals) {
  const Validators v{100, "\"abc\"", Time90k::FromUnixSeconds(1'700'000'000)};
  const std::string lm = FormatHttpDate(*v.last_modified);
  EXPECT_EQ(PlanBody({"\"abc\"", {}, {}, {}}, v).status, 304);
  EXPECT_EQ(PlanBody({"W/\"abc\"", {}, {}, {}}, v).status, 304);  // weak comparison
  EXPECT_EQ(PlanBody({"\"x\", \"abc\"", {}, {}, {}}, v).status, 304);
  EXPECT_EQ(PlanBody({"*", {}, {}, {}}, v).status, 304);
  EXPECT_EQ(PlanBody({"\"other\"", {}, {}, {}}, v).status, 200);
  EXPECT_EQ(PlanBody({{}, lm, {}, {}}, v).status, 304);
  EXPECT_EQ(PlanBody({{}, "Sun, 06 Nov 1994 08:49:37 GMT", {}, {}}, v).status, 200);
  // If-None-Match present and not matching: If-Modified-Since is ignored.
  EXPECT_EQ(PlanBody({"\"other\"", lm, {}, {}}, v).status, 200);
  // If-Range: a matching strong tag or date keeps the range; anything else gives the whole.
  EXPECT_EQ(PlanBody({{}, {}, "bytes=0-9", "\"abc\""}, v).status, 206);
  EXPECT_EQ(PlanBody({{}, {}, "bytes=0-9", lm}, v).status, 206);
  EXPECT_EQ(PlanBody({{}, {}, "bytes=0-9", "\"old\""}, v).status, 200);
  EXPECT_EQ(PlanBody({{}, {}, "bytes=0-9", "W/\"abc\""}, v).status, 200);
  EXPECT_EQ(PlanBody({{}, {}, "bytes=500-", {}}, v).status, 416);
  const BodyPlan p = PlanBody({{}, {}, "bytes=10-19", {}}, v);
  EXPECT_EQ(p.range.first, 10u);
  EXPECT_EQ(p.range.length, 10u);
}

TEST(RangeTest, HttpDateRoundTrip) {
  const Time90k t = Time90k::FromUnixSeconds(784111777);
  EXPECT_EQ(FormatHttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), t);
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate(""));
}

TEST(RangeTest, HttpDateStaysWithinFourDigitYears) {
  // Found by http_range_fuzz: the leap second normalized into year 10000, which FormatHttpDate
  // cannot write as an IMF-fixdate.
  EXPECT_FALSE(ParseHttpDate("Fri, 31 Dec 9999 23:59:60 GMT"));
  auto last = ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT");
  ASSERT_TRUE(last);
  EXPECT_EQ(ParseHttpDate(FormatHttpDate(*last)), last);
  auto leap = ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT");  // the next second
  ASSERT_TRUE(leap);
  EXPECT_EQ(FormatHttpDate(*leap), "Sun, 01 Jan 2017 00:00:00 GMT");
}

}  // namespace
}  // namespace nightjar::http
