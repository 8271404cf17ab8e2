#include "codec/parameter_sets.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "codec/bit_writer.h"
#include "codec/codec_test_data.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/param_set_test_util.h"

namespace nightjar::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace testdata;

Bytes ToBytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

Bytes H264Sps(std::span<const uint8_t> sps, uint32_t id) { return H264SpsWithId(sps, id); }
Bytes H264Pps(uint32_t id, uint32_t sps_id, std::span<const uint8_t> pps = kX264Pps1080p) {
  return H264PpsWithId(id, sps_id, pps);
}
Bytes H265Pps(uint32_t id) { return H265PpsWithId(id); }

void AppendUnit(Bytes& out, const Bytes& nal) {
  out.push_back(static_cast<uint8_t>(nal.size() >> 8));
  out.push_back(static_cast<uint8_t>(nal.size()));
  out.insert(out.end(), nal.begin(), nal.end());
}

TEST(ParameterSetsTest, ReadsIds) {
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH264, kX264Sps1080p).value(),
            (ParamSetId{ParamSetKind::kSps, 0}));
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH264, H264Sps(kX264Sps1080p, 31)).value(),
            (ParamSetId{ParamSetKind::kSps, 31}));
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH264, H264Pps(255, 3)).value(),
            (ParamSetId{ParamSetKind::kPps, 255}));
  EXPECT_EQ(ReadReferencedId(VideoCodec::kH264, H264Pps(255, 3)).value(), 3u);
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH265, kX265Vps1080p).value(),
            (ParamSetId{ParamSetKind::kVps, 0}));
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH265, kX265Sps1080p).value(),
            (ParamSetId{ParamSetKind::kSps, 0}));
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH265, H265Pps(63)).value(),
            (ParamSetId{ParamSetKind::kPps, 63}));
  // Beyond the codecs' id ranges.
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH264, H264Sps(kX264Sps1080p, 32)).error().code(),
            ErrorCode::kMalformed);
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH264, H264Pps(256, 0)).error().code(),
            ErrorCode::kMalformed);
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH265, H265Pps(64)).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ReadParamSetId(VideoCodec::kH264, Bytes{0x65, 0x88}).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(ParameterSetsTest, ReadsSlicePpsId) {
  BitWriter w;  // H.264 IDR: first_mb_in_slice 0, slice_type 7 (I), pic_parameter_set_id 2
  w.WriteUe(0);
  w.WriteUe(7);
  w.WriteUe(2);
  w.WriteTrailingBits();
  Bytes idr = {0x65};
  EscapeRbsp(w.bytes(), &idr);
  EXPECT_EQ(ReadSlicePpsId(VideoCodec::kH264, idr).value(), 2u);
  BitWriter h;  // H.265 CRA: first_slice_segment_in_pic_flag, no_output_of_prior_pics_flag, ue(5)
  h.WriteFlag(true);
  h.WriteFlag(false);
  h.WriteUe(5);
  h.WriteTrailingBits();
  Bytes cra = {0x2a, 0x01};
  EscapeRbsp(h.bytes(), &cra);
  EXPECT_EQ(ReadSlicePpsId(VideoCodec::kH265, cra).value(), 5u);
  BitWriter t;  // H.265 TRAIL_R: no no_output_of_prior_pics_flag
  t.WriteFlag(true);
  t.WriteUe(5);
  t.WriteTrailingBits();
  Bytes trail = {0x02, 0x01};
  EscapeRbsp(t.bytes(), &trail);
  EXPECT_EQ(ReadSlicePpsId(VideoCodec::kH265, trail).value(), 5u);
  EXPECT_EQ(ReadSlicePpsId(VideoCodec::kH264, kX264Pps1080p).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(ParameterSetsTest, KeepsEveryIdAndNoticesOnlyChanges) {
  ParameterSets sets(VideoCodec::kH264);
  EXPECT_FALSE(sets.Complete());
  EXPECT_TRUE(sets.Add(kX264Sps1080p).value());
  EXPECT_TRUE(sets.Add(H264Pps(1, 0)).value());
  EXPECT_TRUE(sets.Add(kX264Pps1080p).value());
  EXPECT_TRUE(sets.Complete());
  // Repeats change nothing.
  EXPECT_FALSE(sets.Add(kX264Sps1080p).value());
  EXPECT_FALSE(sets.Add(H264Pps(1, 0)).value());
  ASSERT_EQ(sets.sets(ParamSetKind::kPps).size(), 2u);
  EXPECT_EQ(sets.sets(ParamSetKind::kPps).at(0), ToBytes(kX264Pps1080p));
  // A copy with trailing_zero_8bits (as some sprop-parameter-sets have) is the same set.
  Bytes padded = ToBytes(kX264Pps1080p);
  padded.insert(padded.end(), {0, 0});
  EXPECT_FALSE(sets.Add(padded).value());
  // New content for an id replaces it.
  ParameterSets before = sets;
  EXPECT_TRUE(sets.Add(H264Pps(1, 0, kX264Pps704x480)).value());
  EXPECT_EQ(sets.sets(ParamSetKind::kPps).size(), 2u);
  EXPECT_EQ(sets.sets(ParamSetKind::kPps).at(1), H264Pps(1, 0, kX264Pps704x480));
  EXPECT_NE(sets, before);
  // Not a parameter set, or an unreadable one: an error, nothing changes.
  EXPECT_EQ(sets.Add(Bytes{0x65, 0x88}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sets.Add(Bytes{0x68}).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(sets.sets(ParamSetKind::kPps).size(), 2u);
}

TEST(ParameterSetsTest, BoundedByTheIdSpace) {
  ParameterSets sets(VideoCodec::kH264);
  for (uint32_t id = 0; id < 256; ++id) ASSERT_TRUE(sets.Add(H264Pps(id, 0)).value());
  for (uint32_t id = 0; id < 32; ++id) ASSERT_TRUE(sets.Add(H264Sps(kX264Sps1080p, id)).value());
  EXPECT_EQ(sets.Add(H264Pps(256, 0)).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(sets.sets(ParamSetKind::kPps).size(), 256u);
  EXPECT_EQ(sets.sets(ParamSetKind::kSps).size(), 32u);
  // avcC holds at most 31 SPS and 255 PPS: the highest ids go, the primary ones stay.
  auto config = BuildDecoderConfig(sets, 255);
  ASSERT_TRUE(config) << config.error().ToString();
  auto avcc = ParseAvcC(config->record).value();
  ASSERT_EQ(avcc.sps.size(), 31u);
  EXPECT_EQ(avcc.sps[30], H264Sps(kX264Sps1080p, 30));
  ASSERT_EQ(avcc.pps.size(), 255u);
  EXPECT_EQ(avcc.pps[253], H264Pps(253, 0));
  EXPECT_EQ(avcc.pps[254], H264Pps(255, 0));
}

TEST(ParameterSetsTest, AvcCWithSeveralPpsIsByteExactAndOrderIndependent) {
  const Bytes pps1 = H264Pps(1, 0);
  ParameterSets a(VideoCodec::kH264), b(VideoCodec::kH264);
  ASSERT_TRUE(a.Add(kX264Sps1080p) && a.Add(kX264Pps1080p) && a.Add(pps1));
  ASSERT_TRUE(b.Add(pps1) && b.Add(kX264Sps1080p) && b.Add(kX264Pps1080p));
  EXPECT_EQ(a, b);
  auto ca = BuildDecoderConfig(a, 1);
  auto cb = BuildDecoderConfig(b, 0);
  ASSERT_TRUE(ca && cb);
  // ISO/IEC 14496-15 §5.3.3.1: header from the SPS, then the arrays in id order, then the
  // High-profile fields (4:2:0, 8 bits, no SPS extensions).
  Bytes want = {1, 100, 0, 40, 0xff, 0xe1};
  AppendUnit(want, ToBytes(kX264Sps1080p));
  want.push_back(2);
  AppendUnit(want, ToBytes(kX264Pps1080p));
  AppendUnit(want, pps1);
  want.insert(want.end(), {0xfd, 0xf8, 0xf8, 0});
  EXPECT_EQ(ca->record, want);
  EXPECT_EQ(cb->record, want);
  EXPECT_EQ(ca->codec, "avc1.640028");
  EXPECT_EQ(ca->width, 1920u);
  EXPECT_EQ(ca->height, 1080u);
}

TEST(ParameterSetsTest, PrimarySpsIsTheKeyFramesOne) {
  ParameterSets sets(VideoCodec::kH264);
  const Bytes sps1 = H264Sps(kX264Sps704x480, 1);
  ASSERT_TRUE(sets.Add(kX264Sps1080p) && sets.Add(sps1) && sets.Add(kX264Pps1080p) &&
              sets.Add(H264Pps(1, 1, kX264Pps704x480)));
  auto big = BuildDecoderConfig(sets, 0).value();
  auto small = BuildDecoderConfig(sets, 1).value();
  auto lowest = BuildDecoderConfig(sets).value();
  EXPECT_EQ(big.width, 1920u);
  EXPECT_EQ(small.width, 704u);
  EXPECT_EQ(small.height, 480u);
  EXPECT_EQ(small.codec, "avc1.4D401E");
  EXPECT_EQ(lowest.record, big.record);
  // Both records hold both SPS in id order; only the header fields differ.
  for (const auto& c : {big, small}) {
    auto avcc = ParseAvcC(c.record).value();
    ASSERT_EQ(avcc.sps.size(), 2u);
    EXPECT_EQ(avcc.sps[0], ToBytes(kX264Sps1080p));
    EXPECT_EQ(avcc.sps[1], sps1);
    EXPECT_EQ(avcc.pps.size(), 2u);
  }
  EXPECT_EQ(ParseAvcC(small.record).value().profile_indication, 77);
  // A PPS (or the SPS it names) that is not there: the key frame cannot be decoded.
  EXPECT_EQ(BuildDecoderConfig(sets, 7).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(sets.Add(H264Pps(2, 9)));
  EXPECT_EQ(BuildDecoderConfig(sets, 2).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(BuildDecoderConfig(ParameterSets(VideoCodec::kH264)).error().code(),
            ErrorCode::kNotFound);
}

TEST(ParameterSetsTest, HvcCWithSeveralPpsIsByteExact) {
  const Bytes pps1 = H265Pps(1);
  ParameterSets sets(VideoCodec::kH265);
  ASSERT_TRUE(sets.Add(pps1) && sets.Add(kX265Pps1080p) && sets.Add(kX265Sps1080p));
  EXPECT_FALSE(sets.Complete());  // no VPS yet
  EXPECT_EQ(BuildDecoderConfig(sets).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(sets.Add(kX265Vps1080p));
  auto c = BuildDecoderConfig(sets, 1);
  ASSERT_TRUE(c) << c.error().ToString();
  // FFmpeg's header for the same VPS/SPS (up to numOfArrays), then each array with its units in
  // id order (§8.3.3.1).
  Bytes record(kFfmpegHvcC1080p, kFfmpegHvcC1080p + 23);
  for (uint8_t type : {kH265NalVps, kH265NalSps, kH265NalPps}) {
    record.push_back(0x80 | type);  // array_completeness
    const auto& map = sets.sets(type == kH265NalVps   ? ParamSetKind::kVps
                                : type == kH265NalSps ? ParamSetKind::kSps
                                                      : ParamSetKind::kPps);
    record.push_back(0);
    record.push_back(static_cast<uint8_t>(map.size()));
    for (const auto& [id, nal] : map) AppendUnit(record, nal);
  }
  EXPECT_EQ(c->record, record);
  auto parsed = ParseHvcC(c->record).value();
  auto ppss = parsed.NalUnitsOfType(kH265NalPps);
  ASSERT_EQ(ppss.size(), 2u);
  EXPECT_EQ(ToBytes(ppss[0]), ToBytes(kX265Pps1080p));
  EXPECT_EQ(ToBytes(ppss[1]), pps1);
  EXPECT_EQ(c->width, 1920u);
  EXPECT_EQ(c->codec.substr(0, 8), "hvc1.1.6");
  // An SPS naming a VPS id that is not there: the lowest VPS stands in.
  ParameterSets odd(VideoCodec::kH265);
  Bytes vps3 = Bytes(std::begin(kX265Vps1080p), std::end(kX265Vps1080p));
  vps3[2] = static_cast<uint8_t>((vps3[2] & 0x0f) | 0x30);  // vps_video_parameter_set_id 3
  ASSERT_TRUE(odd.Add(vps3) && odd.Add(kX265Sps1080p) && odd.Add(kX265Pps1080p));
  EXPECT_EQ(odd.sets(ParamSetKind::kVps).begin()->first, 3u);
  EXPECT_TRUE(BuildDecoderConfig(odd, 0));
  // Another layer's SPS (nuh_layer_id 1) is ignored.
  Bytes layer1 = Bytes(std::begin(kX265Sps1080p), std::end(kX265Sps1080p));
  layer1[1] = static_cast<uint8_t>((1 << 3) | (layer1[1] & 7));
  EXPECT_FALSE(odd.Add(layer1).value());
  EXPECT_EQ(odd.sets(ParamSetKind::kSps).size(), 1u);
}

}  // namespace
}  // namespace nightjar::codec
