#include "codec/bit_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "codec/bit_writer.h"
#include "codec/rational.h"

namespace nightjar::codec {
namespace {

TEST(BitReaderTest, ReadsBitsAcrossByteBoundaries) {
  const uint8_t data[] = {0b10110011, 0b01011100, 0xff, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a};
  BitReader r(data);
  EXPECT_EQ(r.ReadBits(1).value(), 1u);
  EXPECT_EQ(r.ReadBits(3).value(), 0b011u);
  EXPECT_EQ(r.ReadBits(6).value(), 0b001101u);  // crosses into the second byte
  EXPECT_EQ(r.bit_position(), 10u);
  EXPECT_FALSE(r.byte_aligned());
  EXPECT_EQ(r.ReadBits(6).value(), 0b011100u);
  EXPECT_TRUE(r.byte_aligned());
  EXPECT_EQ(r.ReadBits(0).value(), 0u);
  EXPECT_EQ(r.ReadBits(32).value(), 0xff001234u);
  EXPECT_EQ(r.ReadBits64(24).value(), 0x56789aull);
  EXPECT_EQ(r.bits_left(), 0u);
}

TEST(BitReaderTest, Reads48And64BitFields) {
  const uint8_t data[] = {0x90, 0, 0, 0, 0, 1, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  BitReader r(data);
  EXPECT_EQ(r.ReadBits64(48).value(), 0x900000000001ull);
  EXPECT_EQ(r.ReadBits64(64).value(), 0x0123456789abcdefull);
}

TEST(BitReaderTest, NeverReadsPastTheEnd) {
  const uint8_t data[] = {0xab};
  BitReader r(data);
  auto too_many = r.ReadBits(9);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(r.ReadBits(8).value(), 0xabu);  // a failed read does not consume
  EXPECT_FALSE(r.ReadFlag());
  EXPECT_FALSE(r.SkipBits(1));
  EXPECT_FALSE(r.ReadUe());
  BitReader empty(std::span<const uint8_t>{});
  EXPECT_FALSE(empty.ReadBits(1));
  EXPECT_TRUE(empty.ReadBits(0));
}

TEST(BitReaderTest, RejectsBadWidths) {
  const uint8_t data[16] = {};
  BitReader r(data);
  EXPECT_EQ(r.ReadBits(33).error().code(), ErrorCode::kInternal);
  EXPECT_EQ(r.ReadBits(-1).error().code(), ErrorCode::kInternal);
  EXPECT_EQ(r.ReadBits64(65).error().code(), ErrorCode::kInternal);
}

TEST(BitReaderTest, ExpGolombTable) {
  // H.264 Table 9-2: 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3, 00111 -> 6, 0001000 -> 7.
  // Concatenated: 1 010 011 00100 00111 0001000, padded.
  const uint8_t data[] = {0b10100110, 0b01000011, 0b10001000};
  BitReader r(data);
  EXPECT_EQ(r.ReadUe().value(), 0u);
  EXPECT_EQ(r.ReadUe().value(), 1u);
  EXPECT_EQ(r.ReadUe().value(), 2u);
  EXPECT_EQ(r.ReadUe().value(), 3u);
  EXPECT_EQ(r.ReadUe().value(), 6u);
  EXPECT_EQ(r.ReadUe().value(), 7u);
}

TEST(BitReaderTest, SignedExpGolombMapping) {
  // Table 9-3: codeNum 0,1,2,3,4 -> 0, 1, -1, 2, -2.
  BitWriter w;
  for (uint32_t k : {0u, 1u, 2u, 3u, 4u}) w.WriteUe(k);
  BitReader r(w.bytes());
  EXPECT_EQ(r.ReadSe().value(), 0);
  EXPECT_EQ(r.ReadSe().value(), 1);
  EXPECT_EQ(r.ReadSe().value(), -1);
  EXPECT_EQ(r.ReadSe().value(), 2);
  EXPECT_EQ(r.ReadSe().value(), -2);
}

TEST(BitReaderTest, ExpGolombExtremesAndOverflow) {
  constexpr uint32_t kMaxUe = std::numeric_limits<uint32_t>::max() - 1;
  BitWriter w;
  w.WriteUe(kMaxUe);  // 31 zeros, 1, 31 ones
  w.WriteSe(std::numeric_limits<int32_t>::max());
  w.WriteSe(-std::numeric_limits<int32_t>::max());
  BitReader r(w.bytes());
  EXPECT_EQ(r.ReadUe().value(), kMaxUe);
  EXPECT_EQ(r.ReadSe().value(), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(r.ReadSe().value(), -std::numeric_limits<int32_t>::max());

  // 32 leading zeros would need a 33-bit value.
  const uint8_t overflow[] = {0, 0, 0, 0, 0x80, 0, 0, 0, 0};
  BitReader r2(overflow);
  auto v = r2.ReadUe();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), ErrorCode::kMalformed);
  // All zeros: fails without scanning forever.
  std::vector<uint8_t> zeros(1000, 0);
  BitReader r3(zeros);
  EXPECT_FALSE(r3.ReadUe());
  // A prefix with its suffix cut off.
  const uint8_t cut[] = {0x00, 0x01};  // 15 zeros, the 1, then 0 of 15 suffix bits
  BitReader r4(cut);
  EXPECT_FALSE(r4.ReadUe());
}

TEST(BitReaderTest, RangeCheckedReads) {
  BitWriter w;
  w.WriteUe(31);
  w.WriteUe(32);
  w.WriteSe(-129);
  BitReader r(w.bytes());
  EXPECT_EQ(r.ReadUeMax(31, "id").value(), 31u);
  auto too_big = r.ReadUeMax(31, "seq_parameter_set_id");
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message().find("seq_parameter_set_id"), std::string::npos);
  EXPECT_FALSE(r.ReadSeRange(-128, 127, "delta_scale"));
}

TEST(BitReaderTest, ReadBytesNeedsAlignment) {
  const uint8_t data[] = {1, 2, 3, 4};
  BitReader r(data);
  auto two = r.ReadBytes(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1], 2);
  EXPECT_FALSE(r.ReadBytes(3));
  ASSERT_TRUE(r.ReadFlag());
  EXPECT_EQ(r.ReadBytes(1).error().code(), ErrorCode::kInternal);
}

TEST(BitReaderTest, MoreRbspData) {
  const uint8_t data[] = {0b10100000, 0b10000000};  // data bit '1', '0', '1', then stop bit
  BitReader r(data);
  EXPECT_TRUE(r.MoreRbspData());
  ASSERT_TRUE(r.SkipBits(3));
  EXPECT_TRUE(r.MoreRbspData());  // the stop bit is in the second byte
  ASSERT_TRUE(r.SkipBits(5));
  EXPECT_FALSE(r.MoreRbspData());  // only the rbsp_stop_one_bit and alignment remain
  const uint8_t zeros[] = {0, 0};
  EXPECT_FALSE(BitReader(zeros).MoreRbspData());
}

TEST(BitWriterTest, RoundTripsThroughReader) {
  BitWriter w;
  w.WriteBits(0x5, 3);
  w.WriteFlag(true);
  w.WriteUe(0);
  w.WriteUe(12345);
  w.WriteSe(-77);
  w.WriteBits(0x900000000000ull, 48);
  w.WriteTrailingBits();
  EXPECT_TRUE(w.byte_aligned());
  BitReader r(w.bytes());
  EXPECT_EQ(r.ReadBits(3).value(), 5u);
  EXPECT_TRUE(r.ReadFlag().value());
  EXPECT_EQ(r.ReadUe().value(), 0u);
  EXPECT_EQ(r.ReadUe().value(), 12345u);
  EXPECT_EQ(r.ReadSe().value(), -77);
  EXPECT_EQ(r.ReadBits64(48).value(), 0x900000000000ull);
  EXPECT_FALSE(r.MoreRbspData());
  EXPECT_EQ(r.ReadBits(1).value(), 1u);  // rbsp_stop_one_bit
}

TEST(RationalTest, ReducesAndRejectsUnrepresentable) {
  EXPECT_EQ(MakeRational(60, 2), (Rational{30, 1}));
  EXPECT_EQ(MakeRational(60000, 2002), (Rational{30000, 1001}));
  EXPECT_EQ(MakeRational(0, 5), (Rational{0, 1}));
  EXPECT_FALSE(MakeRational(1, 0));
  EXPECT_FALSE(MakeRational(1, uint64_t{1} << 33));
  EXPECT_EQ(MakeRational(uint64_t{1} << 33, uint64_t{1} << 32), (Rational{2, 1}));
  EXPECT_DOUBLE_EQ((Rational{30000, 1001}).ToDouble(), 30000.0 / 1001.0);
}

}  // namespace
}  // namespace nightjar::codec
