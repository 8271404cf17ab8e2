#include "codec/h265.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
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

// Main profile as x265 signals it (trace_headers): compatibility flags 1 and 2, progressive and
// frame-only constraint flags.
H265ProfileTierLevel X265Main(uint8_t level) {
  H265ProfileTierLevel ptl;
  ptl.general_profile_idc = 1;
  ptl.general_profile_compatibility_flags = 0x60000000;
  ptl.general_constraint_indicator_flags = 0x900000000000;
  ptl.general_level_idc = level;
  return ptl;
}

TEST(H265VpsTest, X265Main1080p) {
  auto vps = ParseH265Vps(kX265Vps1080p);
  ASSERT_TRUE(vps) << vps.error().ToString();
  EXPECT_EQ(vps->vps_video_parameter_set_id, 0);
  EXPECT_TRUE(vps->vps_base_layer_internal_flag);
  EXPECT_TRUE(vps->vps_base_layer_available_flag);
  EXPECT_EQ(vps->max_layers, 1);
  EXPECT_EQ(vps->max_sub_layers, 1);
  EXPECT_TRUE(vps->temporal_id_nesting_flag);
  EXPECT_EQ(vps->profile_tier_level, X265Main(120));
}

TEST(H265VpsTest, TwoSubLayers) {
  auto vps = ParseH265Vps(kX265VpsHrd);
  ASSERT_TRUE(vps) << vps.error().ToString();
  EXPECT_EQ(vps->max_sub_layers, 2);
  EXPECT_FALSE(vps->temporal_id_nesting_flag);
  EXPECT_EQ(vps->profile_tier_level, X265Main(63));
}

TEST(H265SpsTest, X265Main1080p) {
  // ffprobe: hevc Main, level 120, 1920x1080, 30/1, SAR 1:1, has_b_frames 2.
  auto sps = ParseH265Sps(kX265Sps1080p);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->sps_video_parameter_set_id, 0);
  EXPECT_EQ(sps->max_sub_layers, 1);
  EXPECT_TRUE(sps->temporal_id_nesting_flag);
  EXPECT_EQ(sps->profile_tier_level, X265Main(120));
  EXPECT_EQ(sps->sps_seq_parameter_set_id, 0u);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->pic_width_in_luma_samples, 1920u);
  EXPECT_EQ(sps->pic_height_in_luma_samples, 1080u);
  EXPECT_FALSE(sps->conformance_window_flag);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_EQ(sps->bit_depth_chroma, 8u);
  EXPECT_EQ(sps->log2_max_pic_order_cnt_lsb, 8u);
  EXPECT_EQ(sps->max_dec_pic_buffering, 5u);
  EXPECT_EQ(sps->max_num_reorder_pics, 2u);
  EXPECT_EQ(sps->max_latency_increase_plus1, 5u);
  EXPECT_EQ(sps->log2_min_luma_coding_block_size, 3u);
  EXPECT_EQ(sps->log2_ctb_size, 6u);
  EXPECT_EQ(sps->log2_min_luma_transform_block_size, 2u);
  EXPECT_EQ(sps->log2_max_luma_transform_block_size, 5u);
  EXPECT_FALSE(sps->scaling_list_enabled_flag);
  EXPECT_FALSE(sps->amp_enabled_flag);
  EXPECT_TRUE(sps->sample_adaptive_offset_enabled_flag);
  EXPECT_FALSE(sps->pcm_enabled_flag);
  EXPECT_EQ(sps->num_short_term_ref_pic_sets, 0u);
  EXPECT_FALSE(sps->long_term_ref_pics_present_flag);
  EXPECT_TRUE(sps->sps_temporal_mvp_enabled_flag);
  EXPECT_TRUE(sps->strong_intra_smoothing_enabled_flag);
  ASSERT_TRUE(sps->vui_parameters_present_flag);
  EXPECT_EQ(sps->vui.sample_aspect_ratio, (Rational{1, 1}));
  EXPECT_TRUE(sps->vui.video_signal_type_present_flag);
  EXPECT_EQ(sps->vui.video_format, 5);
  EXPECT_FALSE(sps->vui.video_full_range_flag);  // ffprobe: color_range tv
  EXPECT_TRUE(sps->timing_info_present_flag);
  EXPECT_EQ(sps->num_units_in_tick, 1u);
  EXPECT_EQ(sps->time_scale, 30u);
  EXPECT_EQ(sps->frame_rate, (Rational{30, 1}));
  EXPECT_FALSE(sps->hrd_parameters_present_flag);
  EXPECT_FALSE(sps->bitstream_restriction_flag);
  EXPECT_EQ(H265CodecString(sps->profile_tier_level), "hvc1.1.6.L120.90");
}

TEST(H265SpsTest, X265Main10WithConformanceWindow) {
  // ffprobe: Main 10, level 93, 1278x718, yuv420p10le, 30000/1001. x265 codes 1280x720 and
  // crops one chroma sample (two luma samples) on the right and bottom.
  auto sps = ParseH265Sps(kX265Sps718p10);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->profile_tier_level.general_profile_idc, 2);
  EXPECT_EQ(sps->profile_tier_level.general_profile_compatibility_flags, 0x20000000u);
  EXPECT_EQ(sps->profile_tier_level.general_level_idc, 93);
  EXPECT_EQ(sps->pic_width_in_luma_samples, 1280u);
  EXPECT_EQ(sps->pic_height_in_luma_samples, 720u);
  EXPECT_TRUE(sps->conformance_window_flag);
  EXPECT_EQ(sps->conf_win_right_offset, 1u);
  EXPECT_EQ(sps->conf_win_bottom_offset, 1u);
  EXPECT_EQ(sps->width, 1278u);
  EXPECT_EQ(sps->height, 718u);
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(sps->bit_depth_chroma, 10u);
  EXPECT_EQ(sps->num_units_in_tick, 1001u);
  EXPECT_EQ(sps->time_scale, 30000u);
  EXPECT_EQ(sps->frame_rate, (Rational{30000, 1001}));
  EXPECT_EQ(H265CodecString(sps->profile_tier_level), "hvc1.2.4.L93.90");
}

TEST(H265SpsTest, X265SubLayersAndHrd) {
  // Two sub-layers put sub_layer flags into profile_tier_level, ordering info for both layers and
  // HRD parameters for both; all must be walked to reach the VUI fields after them.
  auto sps = ParseH265Sps(kX265SpsHrd);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->max_sub_layers, 2);
  EXPECT_FALSE(sps->temporal_id_nesting_flag);
  EXPECT_EQ(sps->profile_tier_level, X265Main(63));
  EXPECT_EQ(sps->width, 640u);
  EXPECT_EQ(sps->height, 360u);
  EXPECT_TRUE(sps->scaling_list_enabled_flag);
  EXPECT_EQ(sps->max_dec_pic_buffering, 5u);
  EXPECT_EQ(sps->frame_rate, (Rational{24, 1}));
  EXPECT_TRUE(sps->hrd_parameters_present_flag);
  EXPECT_FALSE(sps->bitstream_restriction_flag);
}

TEST(H265SpsTest, SyntheticWithEverySkippedStructure) {
  // Values as written by the generator and confirmed by FFmpeg's trace_headers.
  auto sps = ParseH265Sps(kSynthH265Sps);
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->profile_tier_level, X265Main(93));
  EXPECT_EQ(sps->pic_height_in_luma_samples, 1088u);
  EXPECT_EQ(sps->conf_win_bottom_offset, 4u);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->log2_ctb_size, 5u);
  EXPECT_TRUE(sps->scaling_list_enabled_flag);
  EXPECT_TRUE(sps->amp_enabled_flag);
  EXPECT_TRUE(sps->pcm_enabled_flag);
  EXPECT_EQ(sps->num_short_term_ref_pic_sets, 5u);
  EXPECT_TRUE(sps->long_term_ref_pics_present_flag);
  EXPECT_EQ(sps->num_long_term_ref_pics_sps, 2u);
  EXPECT_TRUE(sps->sps_temporal_mvp_enabled_flag);
  EXPECT_EQ(sps->vui.sample_aspect_ratio, (Rational{4, 3}));
  EXPECT_TRUE(sps->vui.video_full_range_flag);
  EXPECT_EQ(sps->vui.colour_primaries, 1);
  EXPECT_EQ(sps->vui.chroma_sample_loc_type_top_field, 1u);
  EXPECT_TRUE(sps->default_display_window_flag);
  EXPECT_EQ(sps->num_units_in_tick, 1001u);
  EXPECT_EQ(sps->time_scale, 60000u);
  EXPECT_EQ(sps->frame_rate, (Rational{60000, 1001}));
  EXPECT_TRUE(sps->hrd_parameters_present_flag);
  EXPECT_TRUE(sps->bitstream_restriction_flag);
  EXPECT_EQ(sps->min_spatial_segmentation_idc, 12u);
}

// A minimal Main SPS written field by field, with a configurable short-term RPS section.
Bytes MinimalSps(uint32_t width, uint32_t height, const std::function<void(BitWriter&)>& rps) {
  BitWriter w;
  w.WriteBits(0x4201, 16);  // NAL header: SPS, layer 0, tid 1
  w.WriteBits(0, 4);
  w.WriteBits(0, 3);
  w.WriteFlag(true);
  w.WriteBits(0, 2);
  w.WriteFlag(false);
  w.WriteBits(1, 5);
  w.WriteBits(0x60000000, 32);
  w.WriteBits(0x900000000000, 48);
  w.WriteBits(93, 8);
  w.WriteUe(0);
  w.WriteUe(1);
  w.WriteUe(width);
  w.WriteUe(height);
  w.WriteFlag(false);
  w.WriteUe(0);
  w.WriteUe(0);
  w.WriteUe(4);
  w.WriteFlag(true);
  w.WriteUe(4);
  w.WriteUe(2);
  w.WriteUe(0);
  w.WriteUe(0);
  w.WriteUe(3);
  w.WriteUe(0);
  w.WriteUe(3);
  w.WriteUe(0);
  w.WriteUe(0);
  w.WriteBits(0b0010, 4);  // scaling off, amp off, SAO on, PCM off
  rps(w);
  w.WriteFlag(false);  // long_term_ref_pics_present_flag
  w.WriteBits(0b11, 2);
  w.WriteFlag(false);  // no VUI
  w.WriteFlag(false);  // sps_extension_present_flag
  w.WriteTrailingBits();
  Bytes nal(w.bytes().begin(), w.bytes().begin() + 2);
  EscapeRbsp(std::span(w.bytes()).subspan(2), &nal);
  return nal;
}

TEST(H265SpsTest, MinimalSpsWithoutVui) {
  auto sps = ParseH265Sps(MinimalSps(352, 288, [](BitWriter& w) { w.WriteUe(0); }));
  ASSERT_TRUE(sps) << sps.error().ToString();
  EXPECT_EQ(sps->width, 352u);
  EXPECT_EQ(sps->height, 288u);
  EXPECT_FALSE(sps->vui_parameters_present_flag);
  EXPECT_FALSE(sps->frame_rate);
}

TEST(H265SpsTest, ShortTermRpsLimits) {
  // 17 negative pictures exceed any DPB.
  auto too_many = ParseH265Sps(MinimalSps(352, 288, [](BitWriter& w) {
    w.WriteUe(1);
    w.WriteUe(17);
    w.WriteUe(0);
  }));
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code(), ErrorCode::kMalformed);
  // Prediction that would grow a list past 16 entries: set 0 has 15 negatives; set 1 predicts
  // from it with a negative delta and keeps all 16 candidates, set 2 again -> 17.
  auto growing = ParseH265Sps(MinimalSps(352, 288, [](BitWriter& w) {
    w.WriteUe(3);
    w.WriteUe(15);
    w.WriteUe(0);
    for (int i = 0; i < 15; ++i) {
      w.WriteUe(0);
      w.WriteFlag(true);
    }
    for (int set = 1; set < 3; ++set) {
      w.WriteFlag(true);  // inter_ref_pic_set_prediction_flag
      w.WriteFlag(true);  // delta_rps_sign: negative
      w.WriteUe(0);
      for (int j = 0; j <= 14 + set; ++j) w.WriteFlag(true);
    }
  }));
  ASSERT_FALSE(growing);
  EXPECT_NE(growing.error().message().find("16"), std::string::npos);
}

TEST(H265SpsTest, RejectsBadSizesAndHeaders) {
  auto rps0 = [](BitWriter& w) { w.WriteUe(0); };
  EXPECT_FALSE(ParseH265Sps(MinimalSps(0, 288, rps0)));
  EXPECT_FALSE(ParseH265Sps(MinimalSps(353, 288, rps0)));  // not a multiple of MinCbSizeY (8)
  EXPECT_FALSE(ParseH265Sps(MinimalSps(100000, 288, rps0)));
  EXPECT_FALSE(ParseH265Sps(kX265Vps1080p));
  EXPECT_FALSE(ParseH265Vps(kX265Sps1080p));
  EXPECT_FALSE(ParseH265Sps({}));
  Bytes layer1 = ToBytes(kX265Sps1080p);
  layer1[1] |= 0x08;  // nuh_layer_id = 1
  EXPECT_EQ(ParseH265Sps(layer1).error().code(), ErrorCode::kUnsupported);
}

const std::vector<std::span<const uint8_t>>& AllParameterSets() {
  static const std::vector<std::span<const uint8_t>> all = {
      kX265Vps1080p, kX265Sps1080p, kX265Vps718p10, kX265Sps718p10,
      kX265VpsHrd,   kX265SpsHrd,   kSynthH265Sps};
  return all;
}

Result<void> ParseAny(std::span<const uint8_t> nal) {
  if (H265NalType(nal[0]) == kH265NalVps) {
    auto vps = ParseH265Vps(nal);
    if (!vps) return std::unexpected(vps.error());
    return Ok();
  }
  auto sps = ParseH265Sps(nal);
  if (!sps) return std::unexpected(sps.error());
  return Ok();
}

TEST(H265SpsTest, EveryPrefixFailsCleanly) {
  for (auto full : AllParameterSets()) {
    ASSERT_TRUE(ParseAny(full));
    for (size_t n = 1; n < full.size(); ++n) {
      auto r = ParseAny(full.first(n));
      if (n <= full.size() / 2) {
        ASSERT_FALSE(r) << "prefix " << n << " of " << full.size();
        EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
      }
    }
  }
}

TEST(H265SpsTest, BitFlipsAndGarbageNeverCrash) {
  for (auto full : AllParameterSets()) {
    Bytes mutated = ToBytes(full);
    for (size_t bit = 16; bit < mutated.size() * 8; ++bit) {
      mutated[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      (void)ParseAny(mutated);
      mutated[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Bytes garbage(2 + rng() % 64);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    garbage[0] = (i % 2) ? 0x40 : 0x42;
    garbage[1] = 0x01;
    (void)ParseAny(garbage);
  }
}

TEST(H265CodecStringTest, AnnexEExamples) {
  H265ProfileTierLevel ptl = X265Main(93);
  ptl.general_constraint_indicator_flags = 0xb00000000000;
  EXPECT_EQ(H265CodecString(ptl), "hvc1.1.6.L93.B0");
  EXPECT_EQ(H265CodecString(ptl, "hev1"), "hev1.1.6.L93.B0");
  // Profile space, high tier, inner zero bytes kept, trailing ones dropped, no constraints.
  ptl.general_profile_space = 1;
  ptl.general_tier_flag = true;
  ptl.general_level_idc = 153;
  ptl.general_constraint_indicator_flags = 0x800000010000;
  EXPECT_EQ(H265CodecString(ptl), "hvc1.A1.6.H153.80.0.0.1");
  ptl.general_constraint_indicator_flags = 0;
  ptl.general_profile_idc = 4;
  ptl.general_profile_compatibility_flags = 0x08000000;  // flag 4 -> reversed 0x10
  EXPECT_EQ(H265CodecString(ptl), "hvc1.A4.10.H153");
}

TEST(HvcCTest, ParsesFfmpegRecord) {
  auto c = ParseHvcC(kFfmpegHvcC1080p);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->configuration_version, 1);
  EXPECT_EQ(c->general, X265Main(120));
  EXPECT_EQ(c->min_spatial_segmentation_idc, 0);
  EXPECT_EQ(c->parallelism_type, 0);
  EXPECT_EQ(c->chroma_format_idc, 1);
  EXPECT_EQ(c->bit_depth_luma_minus8, 0);
  EXPECT_EQ(c->bit_depth_chroma_minus8, 0);
  EXPECT_EQ(c->avg_frame_rate, 0);
  EXPECT_EQ(c->constant_frame_rate, 0);
  EXPECT_EQ(c->num_temporal_layers, 1);
  EXPECT_TRUE(c->temporal_id_nested);
  EXPECT_EQ(c->length_size_minus_one, 3);
  ASSERT_EQ(c->arrays.size(), 3u);
  EXPECT_EQ(c->arrays[0].nal_unit_type, kH265NalVps);
  EXPECT_TRUE(c->arrays[0].array_completeness);
  ASSERT_EQ(c->NalUnitsOfType(kH265NalVps).size(), 1u);
  EXPECT_EQ(ToBytes(c->NalUnitsOfType(kH265NalVps)[0]), ToBytes(kX265Vps1080p));
  EXPECT_EQ(ToBytes(c->NalUnitsOfType(kH265NalSps)[0]), ToBytes(kX265Sps1080p));
  EXPECT_EQ(ToBytes(c->NalUnitsOfType(kH265NalPps)[0]), ToBytes(kX265Pps1080p));
  EXPECT_TRUE(c->NalUnitsOfType(kH265NalPrefixSei).empty());
}

TEST(HvcCTest, BuildMatchesFfmpegByteForByte) {
  auto built = BuildHvcC({kX265Vps1080p}, {kX265Sps1080p}, {kX265Pps1080p});
  ASSERT_TRUE(built) << built.error().ToString();
  EXPECT_EQ(*built, ToBytes(kFfmpegHvcC1080p));
  auto built10 = BuildHvcC({kX265Vps718p10}, {kX265Sps718p10}, {kX265Pps718p10});
  ASSERT_TRUE(built10) << built10.error().ToString();
  EXPECT_EQ(*built10, ToBytes(kFfmpegHvcC718p10));
}

TEST(HvcCTest, BuildTakesTemporalLayersFromSps) {
  auto built = BuildHvcC({kX265VpsHrd}, {kX265SpsHrd}, {kX265Pps1080p, kX265Pps718p10});
  ASSERT_TRUE(built);
  auto c = ParseHvcC(*built);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->num_temporal_layers, 2);
  EXPECT_FALSE(c->temporal_id_nested);
  EXPECT_EQ(c->general.general_level_idc, 63);
  EXPECT_EQ(c->NalUnitsOfType(kH265NalPps).size(), 2u);
  auto synth = ParseHvcC(BuildHvcC({kX265Vps1080p}, {kSynthH265Sps}, {kX265Pps1080p}).value());
  ASSERT_TRUE(synth);
  EXPECT_EQ(synth->min_spatial_segmentation_idc, 12);
}

TEST(HvcCTest, BuildRejectsBadInput) {
  EXPECT_EQ(BuildHvcC({}, {kX265Sps1080p}, {kX265Pps1080p}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BuildHvcC({kX265Vps1080p}, {kX265Sps1080p}, {}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BuildHvcC({kX265Sps1080p}, {kX265Sps1080p}, {kX265Pps1080p}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BuildHvcC({kX265Vps1080p}, {kX265Sps1080p}, {kX264Pps1080p}).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(HvcCTest, EveryPrefixFails) {
  std::span<const uint8_t> full = kFfmpegHvcC1080p;
  for (size_t n = 0; n < full.size(); ++n) {
    auto c = ParseHvcC(full.first(n));
    ASSERT_FALSE(c) << n;
    EXPECT_EQ(c.error().code(), ErrorCode::kMalformed);
  }
}

TEST(HvcCTest, RejectsBadRecords) {
  Bytes v2 = ToBytes(kFfmpegHvcC1080p);
  v2[0] = 2;
  EXPECT_EQ(ParseHvcC(v2).error().code(), ErrorCode::kUnsupported);
  Bytes length3 = ToBytes(kFfmpegHvcC1080p);
  length3[21] = (length3[21] & 0xfc) | 2;
  EXPECT_EQ(ParseHvcC(length3).error().code(), ErrorCode::kMalformed);
  Bytes empty_nal = ToBytes(kFfmpegHvcC1080p);
  empty_nal[26] = 0;  // first VPS length -> 0
  empty_nal[27] = 0;
  EXPECT_FALSE(ParseHvcC(empty_nal));
}

}  // namespace
}  // namespace nightjar::codec
