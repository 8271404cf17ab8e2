#include "http/cookie.h"

#include <gtest/gtest.h>

#include <string>

namespace nightjar::http {
namespace {

std::string Joined(const std::vector<Cookie>& cookies) {
  std::string out;
  for (const Cookie& c : cookies) {
    if (!out.empty()) out += '|';
    out.append(c.name).append("=").append(c.value);
  }
  return out;
}

TEST(CookieTest, ParsesPairsInOrder) {
  EXPECT_EQ(Joined(ParseCookieHeader("SID=31d4d96e407aad42; lang=en-US")),
            "SID=31d4d96e407aad42|lang=en-US");
  EXPECT_EQ(Joined(ParseCookieHeader("a=1;b=2")), "a=1|b=2");  // no SP after ';'
  EXPECT_EQ(Joined(ParseCookieHeader("")), "");
}

TEST(CookieTest, TrimsWhitespaceAndStripsOnePairOfQuotes) {
  EXPECT_EQ(Joined(ParseCookieHeader("  a = 1 ;\tb=\"two\" ; c=\"\"")), "a=1|b=two|c=");
  // Only one pair, and only a matching one.
  EXPECT_EQ(Joined(ParseCookieHeader("a=\"x; b=\"y\"z\"; c=\"; d=\"\"\"\"; ok=1")), "ok=1");
}

TEST(CookieTest, SkipsMalformedPairsAndKeepsTheRest) {
  EXPECT_EQ(Joined(ParseCookieHeader("novalue; =noname; a b=1; ok=1;;; x=\x01; y=\\; z=é; w=2")),
            "ok=1|w=2");
  EXPECT_EQ(Joined(ParseCookieHeader("empty=; a=b=c")), "empty=|a=b=c");  // '=' in a value
}

TEST(CookieTest, FirstOccurrenceWins) {
  auto c = ParseCookieHeader("session=path-specific; other=1; session=general");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(FindCookie(c, "session"), "path-specific");
  EXPECT_EQ(FindCookie(c, "other"), "1");
  EXPECT_EQ(FindCookie(c, "Session"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(FindCookie(c, "missing"), std::nullopt);
}

TEST(CookieTest, CapsCountAndSize) {
  std::string many;
  for (int i = 0; i < 60; ++i) many.append("c").append(std::to_string(i)).append("=v; ");
  auto c = ParseCookieHeader(many);
  ASSERT_EQ(c.size(), 50u);
  EXPECT_EQ(c.back().name, "c49");

  const CookieLimits small{.max_cookies = 10, .max_bytes = 8};
  EXPECT_EQ(Joined(ParseCookieHeader("a=123; b=4567; c=6", small)), "a=123");  // 4 + 5 > 8
  EXPECT_EQ(Joined(ParseCookieHeader("a=1234567; b=", small)), "a=1234567");
  EXPECT_EQ(Joined(ParseCookieHeader("toolong=12; a=1", small)), "");  // the list ends there
}

TEST(CookieTest, ViewsPointIntoTheHeader) {
  const std::string header = "a=\"quoted\"";
  auto c = ParseCookieHeader(header);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].value.data(), header.data() + 3);
}

}  // namespace
}  // namespace nightjar::http
