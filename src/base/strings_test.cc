#include "base/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nightjar {
namespace {

using ::testing::ElementsAre;

TEST(StringsTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_TRUE(EqualsIgnoreCase("CSeq", "CSEQ"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("CSeq", "CSeq:"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  // '@' (0x40) and '`' (0x60) differ by 0x20 like case pairs, but are not letters.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  // Non-ASCII bytes compare exactly.
  EXPECT_TRUE(EqualsIgnoreCase("\xc3\x84", "\xc3\x84"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x84", "\xc3\xa4"));
}

TEST(StringsTest, StartsWithIgnoreCaseAndLower) {
  EXPECT_TRUE(StartsWithIgnoreCase("RTSP/1.0 200 OK", "rtsp/"));
  EXPECT_TRUE(StartsWithIgnoreCase("abc", ""));
  EXPECT_FALSE(StartsWithIgnoreCase("rt", "rtsp"));
  EXPECT_FALSE(StartsWithIgnoreCase("http/1.1", "rtsp/"));
  EXPECT_EQ(AsciiToLower("Transport: RTP/AVP;UNICAST"), "transport: rtp/avp;unicast");
}

TEST(StringsTest, Trim) {
  EXPECT_EQ(Trim("  a b\t\r\n"), "a b");
  EXPECT_EQ(Trim("\t"), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim("\vx"), "\vx");  // only SP, HTAB, CR, LF
}

TEST(StringsTest, Split) {
  EXPECT_THAT(Split("a,,b", ','), ElementsAre("a", "", "b"));
  EXPECT_THAT(Split("", ','), ElementsAre(""));
  EXPECT_THAT(Split(",", ','), ElementsAre("", ""));
  EXPECT_THAT(Split("profile-level-id=42e01f;packetization-mode=1", ';'),
              ElementsAre("profile-level-id=42e01f", "packetization-mode=1"));
  EXPECT_THAT(Split("abc", ','), ElementsAre("abc"));
}

TEST(StringsTest, SplitOnce) {
  auto kv = SplitOnce("sprop-parameter-sets=Z0IA,aM4=", '=');
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->first, "sprop-parameter-sets");
  EXPECT_EQ(kv->second, "Z0IA,aM4=");
  EXPECT_FALSE(SplitOnce("novalue", '=').has_value());
  auto empty = SplitOnce("=", '=');
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->first, "");
  EXPECT_EQ(empty->second, "");
}

TEST(StringsTest, ParseInt64Accepts) {
  EXPECT_EQ(ParseInt64("0").value(), 0);
  EXPECT_EQ(ParseInt64("42").value(), 42);
  EXPECT_EQ(ParseInt64("-17").value(), -17);
  EXPECT_EQ(ParseInt64("007").value(), 7);
  EXPECT_EQ(ParseInt64("9223372036854775807").value(), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808").value(), INT64_MIN);
  EXPECT_EQ(ParseInt64("65535", 0, 65535).value(), 65535);
  EXPECT_EQ(ParseInt64("0", 0, 65535).value(), 0);
}

TEST(StringsTest, ParseInt64Rejects) {
  const char* bad[] = {"",
                       "-",
                       "+5",
                       " 5",
                       "5 ",
                       "0x10",
                       "1e3",
                       "5.0",
                       "--5",
                       "5-",
                       "abc",
                       "٣",
                       "9223372036854775808",
                       "-9223372036854775809",
                       "99999999999999999999999999999"};
  for (const char* s : bad) {
    auto r = ParseInt64(s);
    ASSERT_FALSE(r.has_value()) << "accepted \"" << s << "\"";
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  }
  auto r = ParseInt64("65536", 0, 65535);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("65536"), std::string::npos);
  EXPECT_NE(r.error().message().find("[0, 65535]"), std::string::npos);
  EXPECT_FALSE(ParseInt64("-1", 0, 10).has_value());
  // An embedded NUL is not the end of the number.
  EXPECT_FALSE(ParseInt64(std::string_view("12\0"
                                           "3",
                                           4))
                   .has_value());
}

}  // namespace
}  // namespace nightjar
