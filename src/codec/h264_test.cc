#include "codec/h264.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "codec/bit_writer.h"
#include "codec/codec_test_data.h"
#include "codec/nal.h"

namespace nightjar::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace testdata;

Bytes ToBytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

// A Baseline-profile SPS written field by field (§7.3.2.1.1), for cases no encoder produces.
struct BaselineSps {
  uint32_t sps_id = 0;
  uint32_t width_mbs = 20;          // 320
  uint32_t height_map_units = 15;   // 240
  uint32_t crop[4] = {0, 0, 0, 0};  // left, right, top, bottom
  bool vui_with_timing = false;
  uint32_t num_units_in_tick = 1;
  uint32_t time_scale = 50;
};

Bytes Build(const BaselineSps& s) {
  BitWriter w;
  w.WriteBits(66, 8);    // profile_idc
  w.WriteBits(0xc0, 8);  // constraint_set0/1
  w.WriteBits(30, 8);    // level_idc
  w.WriteUe(s.sps_id);
  w.WriteUe(0);  // log2_max_frame_num_minus4
  w.WriteUe(2);  // pic_order_cnt_type
  w.WriteUe(1);  // max_num_ref_frames
  w.WriteFlag(false);
  w.WriteUe(s.width_mbs - 1);
  w.WriteUe(s.height_map_units - 1);
  w.WriteFlag(true);  // frame_mbs_only_flag
  w.WriteFlag(true);  // direct_8x8_inference_flag
  bool crop = s.crop[0] || s.crop[1] || s.crop[2] || s.crop[3];
  w.WriteFlag(crop);
  if (crop) {
    for (uint32_t c : s.crop) w.WriteUe(c);
  }
  w.WriteFlag(s.vui_with_timing);
  if (s.vui_with_timing) {
    w.WriteBits(0, 4);  // aspect ratio, overscan, video signal, chroma loc: absent
    w.WriteFlag(true);
    w.WriteBits(s.num_units_in_tick, 32);
    w.WriteBits(s.time_scale, 32);
    w.WriteFlag(true);  // fixed_frame_rate_flag
    w.WriteBits(0, 4);  // no HRD, no pic_struct, no bitstream_restriction
  }
  w.WriteTrailingBits();
  Bytes nal = {0x67};
  EscapeRbsp(w.bytes(), &nal);
  return nal;
}

TEST(H264SpsTest, X264HighProfile1080p) {
  // Expected values: ffprobe -show_streams (High, level 40, 1920x1080, 30/1, SAR 1:1,
  // has_b_frames 2) and trace_headers for the raw fields.
  auto sps = ParseH264Sps(kX264Sps1080p);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->constraint_flags, 0);
  EXPECT_EQ(sps->level_idc, 40);
  EXPECT_EQ(sps->seq_parameter_set_id, 0u);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_EQ(sps->bit_depth_chroma, 8u);
  EXPECT_FALSE(sps->seq_scaling_matrix_present_flag);
  EXPECT_EQ(sps->log2_max_frame_num, 4u);
  EXPECT_EQ(sps->pic_order_cnt_type, 0u);
  EXPECT_EQ(sps->log2_max_pic_order_cnt_lsb, 6u);
  EXPECT_EQ(sps->max_num_ref_frames, 4u);
  EXPECT_EQ(sps->pic_width_in_mbs, 120u);
  EXPECT_EQ(sps->pic_height_in_map_units, 68u);
  EXPECT_TRUE(sps->frame_mbs_only_flag);
  EXPECT_TRUE(sps->direct_8x8_inference_flag);
  EXPECT_TRUE(sps->frame_cropping_flag);
  EXPECT_EQ(sps->frame_crop_bottom_offset, 4u);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  ASSERT_TRUE(sps->vui_parameters_present_flag);
  EXPECT_EQ(sps->vui.aspect_ratio_idc, 1);
  EXPECT_EQ(sps->vui.sample_aspect_ratio, (Rational{1, 1}));
  EXPECT_FALSE(sps->vui.video_signal_type_present_flag);
  EXPECT_TRUE(sps->timing_info_present_flag);
  EXPECT_EQ(sps->num_units_in_tick, 1u);
  EXPECT_EQ(sps->time_scale, 60u);
  EXPECT_FALSE(sps->fixed_frame_rate_flag);
  EXPECT_EQ(sps->frame_rate, (Rational{30, 1}));
  EXPECT_FALSE(sps->nal_hrd);
  EXPECT_FALSE(sps->vcl_hrd);
  EXPECT_TRUE(sps->bitstream_restriction_flag);
  EXPECT_EQ(sps->max_num_reorder_frames, 2u);
  EXPECT_EQ(sps->max_dec_frame_buffering, 4u);
  EXPECT_EQ(H264CodecString(*sps), "avc1.640028");
}

TEST(H264SpsTest, X264MainProfile704x480) {
  // ffprobe: Main, level 30, 704x480, 30/1; no cropping; Main has no chroma_format_idc.
  auto sps = ParseH264Sps(kX264Sps704x480);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->profile_idc, 77);
  EXPECT_EQ(sps->constraint_flags, 0x40);  // constraint_set1_flag
  EXPECT_EQ(sps->level_idc, 30);
  EXPECT_EQ(sps->chroma_format_idc, 1u);  // inferred
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_FALSE(sps->frame_cropping_flag);
  EXPECT_EQ(sps->pic_width_in_mbs, 44u);
  EXPECT_EQ(sps->pic_height_in_map_units, 30u);
  EXPECT_EQ(sps->width, 704u);
  EXPECT_EQ(sps->height, 480u);
  EXPECT_EQ(sps->frame_rate, (Rational{30, 1}));
  EXPECT_EQ(sps->max_num_reorder_frames, 2u);
  EXPECT_EQ(H264CodecString(*sps), "avc1.4D401E");
}

TEST(H264SpsTest, X264High444TenBitWithOddSize) {
  // ffprobe: High 4:4:4 Predictive, level 31, 1278x718, yuv444p10le, 25/1. In 4:4:4 the crop
  // unit is one sample, so 1280x720 is cropped by 2 right and 2 bottom.
  auto sps = ParseH264Sps(kX264Sps444);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->profile_idc, 244);
  EXPECT_EQ(sps->level_idc, 31);
  EXPECT_EQ(sps->chroma_format_idc, 3u);
  EXPECT_FALSE(sps->separate_colour_plane_flag);
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(sps->bit_depth_chroma, 10u);
  EXPECT_EQ(sps->frame_crop_right_offset, 2u);
  EXPECT_EQ(sps->frame_crop_bottom_offset, 2u);
  EXPECT_EQ(sps->width, 1278u);
  EXPECT_EQ(sps->height, 718u);
  EXPECT_EQ(sps->frame_rate, (Rational{25, 1}));
  EXPECT_EQ(H264CodecString(*sps), "avc1.F4001F");
}

TEST(H264SpsTest, X264Interlaced) {
  // ffprobe: 720x576, field_order tt, 25/1. frame_mbs_only_flag 0 doubles the map-unit height.
  auto sps = ParseH264Sps(kX264SpsInterlaced);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_FALSE(sps->frame_mbs_only_flag);
  EXPECT_TRUE(sps->mb_adaptive_frame_field_flag);
  EXPECT_EQ(sps->pic_height_in_map_units, 18u);
  EXPECT_EQ(sps->width, 720u);
  EXPECT_EQ(sps->height, 576u);
  EXPECT_TRUE(sps->pic_struct_present_flag);
  EXPECT_EQ(sps->frame_rate, (Rational{25, 1}));
}

TEST(H264SpsTest, X264NalHrd) {
  // x264 --nal-hrd cbr with 1 Mb/s and a 2 Mb buffer: bit_rate_value_minus1 15624, scale 0;
  // cpb_size_value_minus1 15624, scale 3 (trace_headers).
  auto sps = ParseH264Sps(kX264SpsNalHrd);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->width, 640u);
  EXPECT_EQ(sps->height, 360u);
  EXPECT_EQ(sps->level_idc, 22);
  ASSERT_TRUE(sps->nal_hrd);
  EXPECT_EQ(sps->nal_hrd->cpb_cnt, 1u);
  EXPECT_EQ(sps->nal_hrd->bit_rate, 1'000'000u);
  EXPECT_EQ(sps->nal_hrd->cpb_size, 2'000'000u);
  EXPECT_TRUE(sps->nal_hrd->cbr_flag);
  EXPECT_FALSE(sps->vcl_hrd);
  EXPECT_FALSE(sps->low_delay_hrd_flag);
  EXPECT_EQ(sps->frame_rate, (Rational{15, 1}));
  // Fields after the HRD are only right if the HRD was walked correctly.
  EXPECT_EQ(sps->max_num_reorder_frames, 2u);
  EXPECT_EQ(sps->max_dec_frame_buffering, 4u);
}

TEST(H264SpsTest, SyntheticHigh422WithScalingListsAndEverything) {
  auto sps = ParseH264Sps(kSynthH264Sps);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->profile_idc, 122);
  EXPECT_EQ(sps->level_idc, 40);
  EXPECT_EQ(sps->seq_parameter_set_id, 3u);
  EXPECT_EQ(sps->chroma_format_idc, 2u);
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(sps->bit_depth_chroma, 10u);
  EXPECT_TRUE(sps->seq_scaling_matrix_present_flag);
  EXPECT_EQ(sps->log2_max_frame_num, 6u);
  EXPECT_EQ(sps->pic_order_cnt_type, 1u);
  EXPECT_EQ(sps->offset_for_non_ref_pic, -5);
  EXPECT_EQ(sps->offset_for_top_to_bottom_field, 7);
  EXPECT_EQ(sps->num_ref_frames_in_pic_order_cnt_cycle, 3u);
  EXPECT_EQ(sps->max_num_ref_frames, 3u);
  EXPECT_FALSE(sps->frame_mbs_only_flag);
  EXPECT_TRUE(sps->mb_adaptive_frame_field_flag);
  // 1920x1088 coded; 4:2:2 interlaced crop units are 2x2: (1+2)*2 off each dimension.
  EXPECT_EQ(sps->width, 1914u);
  EXPECT_EQ(sps->height, 1082u);
  EXPECT_EQ(sps->vui.aspect_ratio_idc, kExtendedSar);
  EXPECT_EQ(sps->vui.sample_aspect_ratio, (Rational{64, 45}));
  EXPECT_TRUE(sps->vui.overscan_appropriate_flag);
  EXPECT_EQ(sps->vui.video_format, 2);
  EXPECT_TRUE(sps->vui.video_full_range_flag);
  EXPECT_EQ(sps->vui.colour_primaries, 9);
  EXPECT_EQ(sps->vui.transfer_characteristics, 16);
  EXPECT_EQ(sps->vui.matrix_coefficients, 9);
  EXPECT_EQ(sps->vui.chroma_sample_loc_type_top_field, 2u);
  EXPECT_TRUE(sps->fixed_frame_rate_flag);
  EXPECT_EQ(sps->frame_rate, (Rational{30000, 1001}));
  ASSERT_TRUE(sps->nal_hrd);
  EXPECT_EQ(sps->nal_hrd->cpb_cnt, 2u);
  EXPECT_EQ(sps->nal_hrd->bit_rate, 5000u << 8);
  EXPECT_EQ(sps->nal_hrd->cpb_size, 10000u << 9);
  EXPECT_TRUE(sps->nal_hrd->cbr_flag);
  ASSERT_TRUE(sps->vcl_hrd);
  EXPECT_EQ(sps->vcl_hrd->bit_rate, 778u << 7);
  EXPECT_FALSE(sps->vcl_hrd->cbr_flag);
  EXPECT_TRUE(sps->low_delay_hrd_flag);
  EXPECT_TRUE(sps->pic_struct_present_flag);
  EXPECT_EQ(sps->max_num_reorder_frames, 1u);
  EXPECT_EQ(sps->max_dec_frame_buffering, 3u);
  EXPECT_EQ(H264CodecString(*sps), "avc1.7A0028");
}

TEST(H264SpsTest, BaselineWithoutVuiHasNoFrameRate) {
  auto sps = ParseH264Sps(Build(BaselineSps{}));
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->width, 320u);
  EXPECT_EQ(sps->height, 240u);
  EXPECT_EQ(sps->pic_order_cnt_type, 2u);
  EXPECT_FALSE(sps->vui_parameters_present_flag);
  EXPECT_FALSE(sps->frame_rate);
  EXPECT_FALSE(sps->max_num_reorder_frames);
  EXPECT_EQ(H264CodecString(*sps), "avc1.42C01E");
}

TEST(H264SpsTest, FrameRateEdgeCases) {
  BaselineSps s;
  s.vui_with_timing = true;
  s.num_units_in_tick = 1001;
  s.time_scale = 48000;
  EXPECT_EQ(ParseH264Sps(Build(s))->frame_rate, (Rational{24000, 1001}));
  s.num_units_in_tick = 0;  // nonsense timing: no frame rate, but still a valid SPS
  auto zero = ParseH264Sps(Build(s));
  ASSERT_TRUE(zero);
  EXPECT_TRUE(zero->timing_info_present_flag);
  EXPECT_FALSE(zero->frame_rate);
  s.num_units_in_tick = 0xffffffff;  // 2 * ticks overflows 32 bits and does not reduce
  s.time_scale = 7;
  EXPECT_FALSE(ParseH264Sps(Build(s))->frame_rate);
}

TEST(H264SpsTest, CroppingEverythingIsMalformed) {
  BaselineSps s;
  s.crop[0] = 80;  // 160 luma columns (4:2:0 crop unit 2)
  s.crop[1] = 80;
  auto sps = ParseH264Sps(Build(s));
  ASSERT_FALSE(sps);
  EXPECT_EQ(sps.error().code(), ErrorCode::kMalformed);
  s.crop[1] = 79;
  EXPECT_EQ(ParseH264Sps(Build(s))->width, 2u);
  s.crop[1] = 0xfffffffe;  // must not overflow
  EXPECT_FALSE(ParseH264Sps(Build(s)));
}

TEST(H264SpsTest, RejectsOutOfRangeFields) {
  BaselineSps s;
  s.sps_id = 32;
  EXPECT_EQ(ParseH264Sps(Build(s)).error().code(), ErrorCode::kMalformed);
  s.sps_id = 0;
  s.width_mbs = 4000;  // 64000 pixels wide
  EXPECT_EQ(ParseH264Sps(Build(s)).error().code(), ErrorCode::kMalformed);
}

TEST(H264SpsTest, RejectsWrongNalTypeAndEmptyInput) {
  EXPECT_FALSE(ParseH264Sps({}));
  EXPECT_FALSE(ParseH264Sps(kX264Pps1080p));
  const uint8_t header_only[] = {0x67};
  EXPECT_EQ(ParseH264Sps(header_only).error().code(), ErrorCode::kMalformed);
  // A very long Exp-Golomb prefix where seq_parameter_set_id should be.
  const uint8_t long_prefix[] = {0x67, 0x42, 0x00, 0x1e, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 1};
  auto r = ParseH264Sps(long_prefix);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("H.264 SPS"), std::string::npos);
}

const std::vector<std::span<const uint8_t>>& AllSps() {
  static const std::vector<std::span<const uint8_t>> all = {kX264Sps1080p,  kX264Sps704x480,
                                                            kX264Sps444,    kX264SpsInterlaced,
                                                            kX264SpsNalHrd, kSynthH264Sps};
  return all;
}

TEST(H264SpsTest, EveryPrefixFailsCleanly) {
  for (auto full : AllSps()) {
    ASSERT_TRUE(ParseH264Sps(full));
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = ParseH264Sps(full.first(n));
      // The last byte or two may hold only rbsp_trailing_bits, so short prefixes can parse; the
      // first half never can.
      if (n <= full.size() / 2) {
        ASSERT_FALSE(r) << "prefix " << n << " of " << full.size();
        EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
      }
    }
  }
}

TEST(H264SpsTest, BitFlipsAndGarbageNeverCrash) {
  for (auto full : AllSps()) {
    Bytes mutated = ToBytes(full);
    for (size_t bit = 8; bit < mutated.size() * 8; ++bit) {
      mutated[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      auto r = ParseH264Sps(mutated);
      if (r) {
        EXPECT_GT(r->width, 0u);
      }
      mutated[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    Bytes garbage(1 + rng() % 48);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    garbage[0] = 0x67;
    (void)ParseH264Sps(garbage);
  }
}

TEST(H264PpsTest, ParsesIds) {
  for (auto pps_bytes :
       {std::span<const uint8_t>(kX264Pps1080p), std::span<const uint8_t>(kX264Pps704x480),
        std::span<const uint8_t>(kTinyPps)}) {
    auto pps = ParseH264Pps(pps_bytes);
    ASSERT_TRUE(pps) << pps.error().ToString();
    EXPECT_EQ(pps->pic_parameter_set_id, 0u);
    EXPECT_EQ(pps->seq_parameter_set_id, 0u);
    EXPECT_TRUE(pps->entropy_coding_mode_flag);  // x264 uses CABAC for Main and High
    EXPECT_FALSE(pps->bottom_field_pic_order_in_frame_present_flag);
  }
  const uint8_t pps_ids[] = {0x68, 0b00110010, 0b00100000};  // pps id 5 (00110), sps id 1 (010)
  auto pps = ParseH264Pps(pps_ids);
  ASSERT_TRUE(pps);
  EXPECT_EQ(pps->pic_parameter_set_id, 5u);
  EXPECT_EQ(pps->seq_parameter_set_id, 1u);
  EXPECT_FALSE(pps->entropy_coding_mode_flag);
  EXPECT_FALSE(ParseH264Pps(kX264Sps1080p));
  const uint8_t truncated[] = {0x68, 0x00};
  EXPECT_FALSE(ParseH264Pps(truncated));
}

TEST(AvcCTest, ParsesFfmpegRecord) {
  auto c = ParseAvcC(kFfmpegAvcC1080p);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->configuration_version, 1);
  EXPECT_EQ(c->profile_indication, 100);
  EXPECT_EQ(c->profile_compatibility, 0);
  EXPECT_EQ(c->level_indication, 40);
  EXPECT_EQ(c->length_size_minus_one, 3);
  ASSERT_EQ(c->sps.size(), 1u);
  EXPECT_EQ(c->sps[0], ToBytes(kX264Sps1080p));
  ASSERT_EQ(c->pps.size(), 1u);
  EXPECT_EQ(c->pps[0], ToBytes(kX264Pps1080p));
  EXPECT_TRUE(c->has_high_profile_fields);
  EXPECT_EQ(c->chroma_format, 1);
  EXPECT_EQ(c->bit_depth_luma_minus8, 0);
  EXPECT_EQ(c->bit_depth_chroma_minus8, 0);
  EXPECT_TRUE(c->sps_ext.empty());
}

TEST(AvcCTest, BuildMatchesFfmpegByteForByte) {
  auto built = BuildAvcC({kX264Sps1080p}, {kX264Pps1080p});
  ASSERT_TRUE(built) << built.error().ToString();
  EXPECT_EQ(*built, ToBytes(kFfmpegAvcC1080p));
}

TEST(AvcCTest, BuildRoundTripsWithoutHighProfileFields) {
  auto built = BuildAvcC({kX264Sps704x480}, {kX264Pps704x480, kX264Pps1080p});
  ASSERT_TRUE(built);
  // 6 header bytes + 2 + 23 (SPS) + 1 + 2 + 5 + 2 + 6 (PPS); Main profile has no extension.
  EXPECT_EQ(built->size(), 6u + 2 + 23 + 1 + 2 + 5 + 2 + 6);
  auto c = ParseAvcC(*built);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->profile_indication, 77);
  EXPECT_EQ(c->profile_compatibility, 0x40);
  EXPECT_EQ(c->level_indication, 30);
  EXPECT_EQ(c->sps[0], ToBytes(kX264Sps704x480));
  ASSERT_EQ(c->pps.size(), 2u);
  EXPECT_EQ(c->pps[1], ToBytes(kX264Pps1080p));
  EXPECT_FALSE(c->has_high_profile_fields);

  auto high10 = ParseAvcC(BuildAvcC({kSynthH264Sps}, {kX264Pps1080p}).value());
  ASSERT_TRUE(high10);
  EXPECT_TRUE(high10->has_high_profile_fields);
  EXPECT_EQ(high10->chroma_format, 2);
  EXPECT_EQ(high10->bit_depth_luma_minus8, 2);
}

TEST(AvcCTest, BuildRejectsBadInput) {
  EXPECT_EQ(BuildAvcC({}, {kX264Pps1080p}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(BuildAvcC({kX264Pps1080p}, {kX264Pps1080p}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BuildAvcC({kX264Sps1080p}, {kX264Sps1080p}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BuildAvcC({kX264Sps1080p}, {std::span<const uint8_t>()}).error().code(),
            ErrorCode::kInvalidArgument);
  const uint8_t broken_sps[] = {0x67, 0x64, 0x00};
  EXPECT_EQ(BuildAvcC({broken_sps}, {}).error().code(), ErrorCode::kMalformed);
}

TEST(AvcCTest, EveryPrefixFailsOrDropsOnlyTheExtension) {
  std::span<const uint8_t> full = kFfmpegAvcC1080p;
  const size_t without_ext = full.size() - 4;
  for (size_t n = 0; n < full.size(); ++n) {
    auto c = ParseAvcC(full.first(n));
    if (n < without_ext) {
      ASSERT_FALSE(c) << n;
      EXPECT_EQ(c.error().code(), ErrorCode::kMalformed) << n;
    } else {
      ASSERT_TRUE(c) << n;
      EXPECT_FALSE(c->has_high_profile_fields);
    }
  }
}

TEST(AvcCTest, RejectsBadRecords) {
  Bytes v0 = ToBytes(kFfmpegAvcC1080p);
  v0[0] = 0;
  EXPECT_EQ(ParseAvcC(v0).error().code(), ErrorCode::kUnsupported);
  Bytes length3 = ToBytes(kFfmpegAvcC1080p);
  length3[4] = 0xfe;  // lengthSizeMinusOne = 2
  EXPECT_EQ(ParseAvcC(length3).error().code(), ErrorCode::kMalformed);
  Bytes too_many = ToBytes(kFfmpegAvcC1080p);
  too_many[5] = 0xe2;  // claims two SPS
  EXPECT_FALSE(ParseAvcC(too_many));
  const uint8_t empty_sps[] = {1, 66, 0, 30, 0xff, 0xe1, 0, 0, 0};
  EXPECT_FALSE(ParseAvcC(empty_sps));
  const uint8_t no_sets[] = {1, 66, 0, 30, 0xff, 0xe0, 0};
  auto c = ParseAvcC(no_sets);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->sps.empty());
}

TEST(H264CodecStringTest, FormatsUpperCaseHex) {
  EXPECT_EQ(H264CodecString(0x64, 0x00, 0x2a), "avc1.64002A");
  EXPECT_EQ(H264CodecString(66, 0xe0, 31), "avc1.42E01F");
}

}  // namespace
}  // namespace nightjar::codec
