#include "codec/nal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "codec/codec_test_data.h"

namespace nightjar::codec {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes ToBytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

std::vector<Bytes> ToBytes(const std::vector<std::span<const uint8_t>>& spans) {
  std::vector<Bytes> out;
  out.reserve(spans.size());
  for (auto s : spans) out.push_back(ToBytes(s));
  return out;
}

Bytes Concat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

constexpr uint8_t kSc4[] = {0, 0, 0, 1};
constexpr uint8_t kSc3[] = {0, 0, 1};

TEST(AnnexBTest, SplitsRealNalUnitsWithMixedStartCodes) {
  using namespace testdata;
  const uint8_t trailing_zeros[] = {0, 0};
  Bytes stream = Concat({kSc4, kTinySps, kSc4, kTinyPps, kSc3, kTinyIdr, trailing_zeros, kSc3,
                         kTinyP1, kSc4, kTinyP2, trailing_zeros});
  auto nals = SplitAnnexB(stream);
  ASSERT_EQ(nals.size(), 5u);
  EXPECT_EQ(ToBytes(nals[0]), ToBytes(kTinySps));
  EXPECT_EQ(ToBytes(nals[1]), ToBytes(kTinyPps));
  EXPECT_EQ(ToBytes(nals[2]), ToBytes(kTinyIdr));
  EXPECT_EQ(ToBytes(nals[3]), ToBytes(kTinyP1));
  EXPECT_EQ(ToBytes(nals[4]), ToBytes(kTinyP2));
  // Spans point into the input.
  EXPECT_EQ(nals[0].data(), stream.data() + 4);
  EXPECT_EQ(NalType(VideoCodec::kH264, nals[2]), kH264NalIdr);
}

TEST(AnnexBTest, EdgeCases) {
  EXPECT_TRUE(SplitAnnexB({}).empty());
  const uint8_t no_start_code[] = {0x67, 0x42, 0x00, 0x1e};
  EXPECT_TRUE(SplitAnnexB(no_start_code).empty());
  const uint8_t only_start_codes[] = {0, 0, 0, 1, 0, 0, 1, 0, 0, 0};
  EXPECT_TRUE(SplitAnnexB(only_start_codes).empty());
  // Leading garbage and leading_zero_8bits are skipped; empty units between start codes too.
  const uint8_t messy[] = {0xaa, 0, 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0, 0, 1, 0x65, 0x88, 0, 0, 1};
  auto nals = ToBytes(SplitAnnexB(messy));
  EXPECT_THAT(nals, testing::ElementsAre(Bytes{0x09, 0xf0}, Bytes{0x65, 0x88}));
  // A 00 00 00 inside data cannot occur (it would be escaped); 00 00 02 is just data.
  const uint8_t with_002[] = {0, 0, 1, 0x06, 0, 0, 2, 0x80};
  EXPECT_THAT(ToBytes(SplitAnnexB(with_002)), testing::ElementsAre(Bytes{0x06, 0, 0, 2, 0x80}));
}

TEST(AnnexBTest, ReaderMatchesSplit) {
  using namespace testdata;
  Bytes stream = Concat({kSc4, kTinySps, kSc3, kTinyPps});
  AnnexBReader reader(stream);
  std::span<const uint8_t> nal;
  ASSERT_TRUE(reader.Next(&nal));
  EXPECT_EQ(nal.size(), sizeof(kTinySps));
  ASSERT_TRUE(reader.Next(&nal));
  EXPECT_EQ(nal.size(), sizeof(kTinyPps));
  EXPECT_FALSE(reader.Next(&nal));
  EXPECT_FALSE(reader.Next(&nal));
}

TEST(LengthPrefixedTest, SplitsEachLengthSize) {
  const uint8_t one[] = {2, 0xaa, 0xbb, 1, 0xcc};
  EXPECT_THAT(ToBytes(SplitLengthPrefixed(one, 1).value()),
              testing::ElementsAre(Bytes{0xaa, 0xbb}, Bytes{0xcc}));
  const uint8_t two[] = {0, 1, 0xaa, 0, 2, 0xbb, 0xcc};
  EXPECT_THAT(ToBytes(SplitLengthPrefixed(two, 2).value()),
              testing::ElementsAre(Bytes{0xaa}, Bytes{0xbb, 0xcc}));
  const uint8_t four[] = {0, 0, 0, 3, 1, 2, 3};
  EXPECT_THAT(ToBytes(SplitLengthPrefixed(four, 4).value()), testing::ElementsAre(Bytes{1, 2, 3}));
  EXPECT_TRUE(SplitLengthPrefixed({}, 4).value().empty());
}

TEST(LengthPrefixedTest, RejectsBadInput) {
  const uint8_t data[] = {0, 0, 0, 1, 0x65};
  EXPECT_EQ(SplitLengthPrefixed(data, 3).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SplitLengthPrefixed(data, 0).error().code(), ErrorCode::kInvalidArgument);
  const uint8_t overrun[] = {0, 0, 0, 5, 1, 2, 3, 4};
  EXPECT_EQ(SplitLengthPrefixed(overrun, 4).error().code(), ErrorCode::kMalformed);
  const uint8_t truncated_length[] = {0, 0, 0, 1, 0x65, 0, 0};
  EXPECT_EQ(SplitLengthPrefixed(truncated_length, 4).error().code(), ErrorCode::kMalformed);
  const uint8_t zero_length[] = {0, 0, 0, 0, 0, 0, 0, 1, 0x65};
  EXPECT_EQ(SplitLengthPrefixed(zero_length, 4).error().code(), ErrorCode::kMalformed);
  const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 1};
  EXPECT_EQ(SplitLengthPrefixed(huge, 4).error().code(), ErrorCode::kMalformed);
}

TEST(ConversionTest, AnnexBToLengthPrefixedAndBack) {
  using namespace testdata;
  Bytes stream = Concat({kSc3, kTinySps, kSc4, kTinyPps, kSc4, kTinyIdr});
  Bytes avcc = {0xde, 0xad};  // existing content is preserved
  ASSERT_TRUE(AnnexBToLengthPrefixed(stream, &avcc));
  Bytes expected = {0xde, 0xad, 0, 0, 0, sizeof(kTinySps)};
  expected.insert(expected.end(), std::begin(kTinySps), std::end(kTinySps));
  Bytes pps_prefix = {0, 0, 0, sizeof(kTinyPps)};
  expected.insert(expected.end(), pps_prefix.begin(), pps_prefix.end());
  expected.insert(expected.end(), std::begin(kTinyPps), std::end(kTinyPps));
  Bytes idr_prefix = {0, 0, 0, sizeof(kTinyIdr)};
  expected.insert(expected.end(), idr_prefix.begin(), idr_prefix.end());
  expected.insert(expected.end(), std::begin(kTinyIdr), std::end(kTinyIdr));
  EXPECT_EQ(avcc, expected);

  Bytes annexb;
  ASSERT_TRUE(LengthPrefixedToAnnexB(std::span(avcc).subspan(2), 4, &annexb));
  EXPECT_EQ(annexb, Concat({kSc4, kTinySps, kSc4, kTinyPps, kSc4, kTinyIdr}));
}

TEST(ConversionTest, FailedConversionLeavesOutputUnchanged) {
  const uint8_t bad[] = {0, 0, 0, 1, 0x65, 0, 0, 0, 9, 1};
  Bytes out = {1, 2, 3};
  auto r = LengthPrefixedToAnnexB(bad, 4, &out);
  ASSERT_FALSE(r);
  EXPECT_EQ(out, (Bytes{1, 2, 3}));
  const uint8_t two_byte[] = {0, 2, 0x41, 0x9a};
  ASSERT_TRUE(LengthPrefixedToAnnexB(two_byte, 2, &out));
  EXPECT_EQ(out, (Bytes{1, 2, 3, 0, 0, 0, 1, 0x41, 0x9a}));
}

TEST(ConversionTest, AppendHelpers) {
  const uint8_t nal[] = {0x09, 0x10};
  Bytes out;
  ASSERT_TRUE(AppendLengthPrefixed(nal, &out));
  AppendAnnexB(nal, &out);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 2, 0x09, 0x10, 0, 0, 0, 1, 0x09, 0x10}));
}

TEST(RbspTest, RemovesEmulationPreventionFromRealSps) {
  // The x264 SPS has two 00 00 03 sequences.
  Bytes rbsp = UnescapeRbsp(testdata::kX264Sps1080p);
  EXPECT_EQ(rbsp.size(), sizeof(testdata::kX264Sps1080p) - 2);
  const Bytes expected_tail = {0x44, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xf0};
  EXPECT_TRUE(std::search(rbsp.begin(), rbsp.end(), expected_tail.begin(), expected_tail.end()) !=
              rbsp.end());
  // x264 escapes exactly where required, so escaping gives the original bytes back.
  Bytes escaped;
  EscapeRbsp(rbsp, &escaped);
  EXPECT_EQ(escaped, ToBytes(testdata::kX264Sps1080p));
}

TEST(RbspTest, EdgeCases) {
  EXPECT_EQ(UnescapeRbsp(Bytes{0, 0, 3}), (Bytes{0, 0}));
  EXPECT_EQ(UnescapeRbsp(Bytes{0, 0, 3, 3}), (Bytes{0, 0, 3}));
  EXPECT_EQ(UnescapeRbsp(Bytes{0, 0, 3, 0, 0, 3, 1}), (Bytes{0, 0, 0, 0, 1}));
  EXPECT_EQ(UnescapeRbsp(Bytes{0, 3, 0, 0, 4}), (Bytes{0, 3, 0, 0, 4}));
  EXPECT_EQ(UnescapeRbsp(Bytes{0, 0, 0, 3}), (Bytes{0, 0, 0}));
  Bytes out;
  EscapeRbsp(Bytes{0, 0, 0, 0, 1, 0, 0, 4, 0, 0}, &out);
  EXPECT_EQ(out, (Bytes{0, 0, 3, 0, 0, 3, 1, 0, 0, 4, 0, 0, 3}));
}

TEST(RbspTest, EscapeUnescapeRoundTripsRandomData) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 500; ++i) {
    Bytes data(rng() % 64);
    for (auto& b : data) b = (rng() % 3 == 0) ? static_cast<uint8_t>(rng() % 5) : 0;
    Bytes escaped;
    EscapeRbsp(data, &escaped);
    // Escaped data never contains 00 00 00, 00 00 01 or 00 00 02 (§7.4.1), nor ends in 00 00.
    for (size_t j = 0; j + 2 < escaped.size(); ++j) {
      ASSERT_FALSE(escaped[j] == 0 && escaped[j + 1] == 0 && escaped[j + 2] <= 2) << j;
    }
    if (escaped.size() >= 2) {
      EXPECT_FALSE(escaped[escaped.size() - 1] == 0 && escaped[escaped.size() - 2] == 0);
    }
    EXPECT_EQ(UnescapeRbsp(escaped), data);
  }
}

TEST(NalTypeTest, H264) {
  EXPECT_EQ(H264NalType(testdata::kX264Sps1080p[0]), kH264NalSps);
  EXPECT_EQ(H264NalType(testdata::kX264Pps1080p[0]), kH264NalPps);
  EXPECT_EQ(H264NalType(0x65), kH264NalIdr);
  EXPECT_EQ(H264NalType(0x06), kH264NalSei);
  EXPECT_EQ(H264NalType(0x09), kH264NalAud);
  EXPECT_EQ(H264NalTypeName(5), "IDR");
  EXPECT_EQ(H264NalTypeName(7), "SPS");
  EXPECT_EQ(H264NalTypeName(8), "PPS");
  EXPECT_EQ(H264NalTypeName(6), "SEI");
  EXPECT_EQ(H264NalTypeName(9), "AUD");
  EXPECT_EQ(H264NalTypeName(28), "FU-A");
  EXPECT_EQ(H264NalTypeName(200), "unknown");
}

TEST(NalTypeTest, H265) {
  EXPECT_EQ(H265NalType(testdata::kX265Vps1080p[0]), kH265NalVps);
  EXPECT_EQ(H265NalType(testdata::kX265Sps1080p[0]), kH265NalSps);
  EXPECT_EQ(H265NalType(testdata::kX265Pps1080p[0]), kH265NalPps);
  EXPECT_EQ(H265NalType(0x26), kH265NalIdrWRadl);  // 0x26 0x01: IDR_W_RADL
  EXPECT_EQ(H265NalType(0x46), kH265NalAud);
  EXPECT_EQ(H265NalType(0x4e), kH265NalPrefixSei);
  EXPECT_EQ(H265NalType(0x50), kH265NalSuffixSei);
  EXPECT_EQ(H265NalTypeName(32), "VPS");
  EXPECT_EQ(H265NalTypeName(21), "CRA_NUT");
  EXPECT_EQ(H265NalTypeName(39), "PREFIX_SEI");
  EXPECT_EQ(H265NalTypeName(63), "unknown");
}

TEST(NalTypeTest, KeyFrames) {
  EXPECT_TRUE(IsKeyFrameNal(VideoCodec::kH264, testdata::kTinyIdr));
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH264, testdata::kTinyP1));
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH264, testdata::kTinySps));
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH264, {}));
  for (uint8_t type = 0; type < 64; ++type) {
    const uint8_t nal[] = {static_cast<uint8_t>(type << 1), 0x01, 0xaf};
    EXPECT_EQ(IsKeyFrameNal(VideoCodec::kH265, nal), type >= 16 && type <= 23) << int{type};
  }
  const uint8_t one_byte[] = {0x26};
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH265, one_byte));
  EXPECT_EQ(NalType(VideoCodec::kH265, one_byte), -1);
}

TEST(NalTypeTest, ParameterSets) {
  EXPECT_TRUE(IsParameterSetNal(VideoCodec::kH264, testdata::kTinySps));
  EXPECT_TRUE(IsParameterSetNal(VideoCodec::kH264, testdata::kTinyPps));
  EXPECT_FALSE(IsParameterSetNal(VideoCodec::kH264, testdata::kTinyIdr));
  EXPECT_TRUE(IsParameterSetNal(VideoCodec::kH265, testdata::kX265Vps1080p));
  EXPECT_TRUE(IsParameterSetNal(VideoCodec::kH265, testdata::kX265Sps1080p));
  EXPECT_TRUE(IsParameterSetNal(VideoCodec::kH265, testdata::kX265Pps1080p));
  EXPECT_FALSE(IsParameterSetNal(VideoCodec::kH265, testdata::kX264Sps1080p));  // type 51
}

}  // namespace
}  // namespace nightjar::codec
