#include "base/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace nightjar {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Base64Test, Rfc4648TestVectors) {
  // RFC 4648 §10.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(std::string_view(plain)), encoded);
    auto d = Base64Decode(encoded);
    ASSERT_TRUE(d.has_value()) << encoded;
    EXPECT_EQ(*d, Bytes(plain));
  }
}

TEST(Base64Test, SpropParameterSetsAndBasicAuth) {
  // An H.264 SPS as cameras send it in SDP (RFC 6184 §8.1).
  auto sps = Base64Decode("Z0IAH5WoFAFuQA==");
  ASSERT_TRUE(sps.has_value());
  EXPECT_EQ(HexEncode(*sps), "6742001f95a814016e40");
  // RFC 7617 §2's example.
  EXPECT_EQ(Base64DecodeToString("QWxhZGRpbjpvcGVuIHNlc2FtZQ==").value(), "Aladdin:open sesame");
  EXPECT_EQ(Base64Encode(std::string_view("Aladdin:open sesame")), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(Base64Test, AcceptsMissingPadding) {
  EXPECT_EQ(Base64Decode("Zg").value(), Bytes("f"));
  EXPECT_EQ(Base64Decode("Zm8").value(), Bytes("fo"));
  EXPECT_EQ(Base64DecodeToString("Z0IAH5WoFAFuQA").value(),
            Base64DecodeToString("Z0IAH5WoFAFuQA==").value());
}

TEST(Base64Test, RejectsMalformed) {
  const char* bad[] = {
      "Z",         // a lone character is only 6 bits
      "Zm9vY",     // same after a full quantum
      "Zg=",       // padding present but incomplete
      "Zg===",     // too much padding
      "Z===",      //
      "====",      //
      "Zg==Zg==",  // data after padding
      "Zm 9v",     // whitespace
      "Zm9v\n",    //
      "Zm-_",      // URL-safe alphabet is not ours
      "Zm9v!",     //
      "Zm\x80v",   // high byte
  };
  for (const char* s : bad) {
    auto r = Base64Decode(s);
    ASSERT_FALSE(r.has_value()) << "accepted \"" << s << "\"";
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  }
  EXPECT_FALSE(Base64Decode(std::string_view("Zm9v\0AAA", 8)).has_value());
}

TEST(Base64Test, RoundTripsRandomBytes) {
  std::mt19937 rng(1);
  for (size_t len = 0; len < 200; ++len) {
    std::vector<uint8_t> data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    std::string enc = Base64Encode(data);
    EXPECT_EQ(enc.size(), (len + 2) / 3 * 4);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value());
    ASSERT_EQ(*dec, data);
  }
}

TEST(HexTest, EncodeDecode) {
  const uint8_t data[] = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "0001abff");
  EXPECT_EQ(HexEncode({}), "");
  EXPECT_EQ(HexDecode("0001ABff").value(), std::vector<uint8_t>(data, data + 4));
  EXPECT_TRUE(HexDecode("").value().empty());
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("0g").has_value());
  EXPECT_FALSE(HexDecode(" 0").has_value());
  EXPECT_EQ(HexDecode("zz").error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace nightjar
