#include "http/compression.h"

#include <gtest/gtest.h>

namespace nightjar::http {
namespace {

TEST(CompressionTest, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip;q=0.5, br"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("X-GZIP"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
}

TEST(CompressionTest, CompressibleTypes) {
  EXPECT_TRUE(IsCompressibleType("application/json"));
  EXPECT_TRUE(IsCompressibleType("text/plain; version=0.0.4"));
  EXPECT_TRUE(IsCompressibleType("Application/JSON"));
  EXPECT_FALSE(IsCompressibleType("video/mp4"));
  EXPECT_FALSE(IsCompressibleType(""));
}

TEST(CompressionTest, RoundTrip) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "{\"camera\":\"cam" + std::to_string(i) + "\"},";
  auto gz = Gzip(text);
  ASSERT_TRUE(gz);
  EXPECT_LT(gz->size(), text.size() / 4);
  EXPECT_EQ(static_cast<uint8_t>((*gz)[0]), 0x1f);  // RFC 1952 magic
  EXPECT_EQ(static_cast<uint8_t>((*gz)[1]), 0x8b);
  auto back = Gunzip(*gz);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, text);
  EXPECT_FALSE(Gunzip(gz->substr(0, gz->size() / 2)));
  EXPECT_FALSE(Gunzip("not gzip"));
}

}  // namespace
}  // namespace nightjar::http
