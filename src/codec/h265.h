// H.265 parameter sets and the MP4 decoder configuration record.
//
// Owns: parsing the video and sequence parameter sets (ITU-T H.265 §7.3.2.1, §7.3.2.2) into what a
// recorder and muxer need (profile/tier/level, cropped dimensions, bit depth, VUI frame rate), the
// HEVCDecoderConfigurationRecord ("hvcC", ISO/IEC 14496-15 §8.3.3.1), and the codec string of
// ISO/IEC 14496-15 Annex E.3 used in RFC 6381 "codecs" parameters.
//
// The SPS is parsed through the VUI, including scaling lists, short-term reference picture sets
// (with inter-RPS prediction), long-term reference pictures and HRD parameters, which must all be
// walked to reach vui_timing_info. The SPS range/multilayer/3D/SCC extensions after the VUI are not
// parsed. Multi-layer SPSs (nuh_layer_id > 0) are kUnsupported.
//
// All functions are pure and thread-safe; inputs are only read during the call and results own
// their data. Malformed or truncated input yields kMalformed; no input can crash the parser.
#ifndef NIGHTJAR_CODEC_H265_H_
#define NIGHTJAR_CODEC_H265_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "codec/rational.h"
#include "codec/vui.h"

namespace nightjar::codec {

// The general part of profile_tier_level() (§7.3.3). Sub-layer fields are skipped.
struct H265ProfileTierLevel {
  uint8_t general_profile_space = 0;  // 0..3
  bool general_tier_flag = false;     // false: Main tier, true: High tier
  uint8_t general_profile_idc = 0;    // 1 Main, 2 Main 10, 3 Main Still Picture, 4 RExt, ...
  // general_profile_compatibility_flag[j] is bit (31 - j), i.e. the 32 bits in stream order.
  uint32_t general_profile_compatibility_flags = 0;
  // The 48 bits from general_progressive_source_flag (bit 47) through general_inbld_flag (bit 0).
  uint64_t general_constraint_indicator_flags = 0;
  uint8_t general_level_idc = 0;  // 30 x the level number: 93 is level 3.1, 120 is level 4

  friend bool operator==(const H265ProfileTierLevel&, const H265ProfileTierLevel&) = default;
};

struct H265Vps {
  uint8_t vps_video_parameter_set_id = 0;
  bool vps_base_layer_internal_flag = false;
  bool vps_base_layer_available_flag = false;
  uint8_t max_layers = 1;      // vps_max_layers_minus1 + 1
  uint8_t max_sub_layers = 1;  // vps_max_sub_layers_minus1 + 1, 1..7
  bool temporal_id_nesting_flag = false;
  H265ProfileTierLevel profile_tier_level;
};

struct H265Sps {
  uint8_t sps_video_parameter_set_id = 0;
  uint8_t max_sub_layers = 1;  // sps_max_sub_layers_minus1 + 1, 1..7
  bool temporal_id_nesting_flag = false;
  H265ProfileTierLevel profile_tier_level;
  uint32_t sps_seq_parameter_set_id = 0;
  uint32_t chroma_format_idc = 1;  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane_flag = false;
  uint32_t pic_width_in_luma_samples = 0;  // coded size, a multiple of the minimum CB size
  uint32_t pic_height_in_luma_samples = 0;
  bool conformance_window_flag = false;
  uint32_t conf_win_left_offset = 0;  // in chroma sample units (SubWidthC / SubHeightC)
  uint32_t conf_win_right_offset = 0;
  uint32_t conf_win_top_offset = 0;
  uint32_t conf_win_bottom_offset = 0;
  // Output size in luma samples: the coded size minus the conformance window (§7.4.3.2.1).
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  uint32_t log2_max_pic_order_cnt_lsb = 4;
  // sps_max_dec_pic_buffering_minus1 + 1 etc. for the highest sub-layer.
  uint32_t max_dec_pic_buffering = 1;
  uint32_t max_num_reorder_pics = 0;
  uint32_t max_latency_increase_plus1 = 0;
  uint32_t log2_min_luma_coding_block_size = 3;  // MinCbLog2SizeY
  uint32_t log2_ctb_size = 4;                    // CtbLog2SizeY
  uint32_t log2_min_luma_transform_block_size = 2;
  uint32_t log2_max_luma_transform_block_size = 5;
  bool scaling_list_enabled_flag = false;
  bool amp_enabled_flag = false;
  bool sample_adaptive_offset_enabled_flag = false;
  bool pcm_enabled_flag = false;
  uint32_t num_short_term_ref_pic_sets = 0;
  bool long_term_ref_pics_present_flag = false;
  uint32_t num_long_term_ref_pics_sps = 0;
  bool sps_temporal_mvp_enabled_flag = false;
  bool strong_intra_smoothing_enabled_flag = false;

  bool vui_parameters_present_flag = false;
  VuiBasics vui;
  bool field_seq_flag = false;
  bool frame_field_info_present_flag = false;
  bool default_display_window_flag = false;
  bool timing_info_present_flag = false;  // vui_timing_info_present_flag
  uint32_t num_units_in_tick = 0;         // vui_num_units_in_tick
  uint32_t time_scale = 0;                // vui_time_scale
  // Picture rate time_scale / num_units_in_tick (E.3.1), reduced; nullopt without timing info or
  // with a zero term. With field_seq_flag each picture is a field, so frames come at half this.
  std::optional<Rational> frame_rate;
  bool hrd_parameters_present_flag = false;  // vui_hrd_parameters_present_flag (parsed, not kept)
  bool bitstream_restriction_flag = false;
  uint32_t min_spatial_segmentation_idc = 0;
};

// Parse whole NAL units: the 2-byte NAL header (type 32 or 33) and the escaped payload.
// kMalformed on truncation or out-of-range values; kUnsupported for nuh_layer_id > 0.
Result<H265Vps> ParseH265Vps(std::span<const uint8_t> nal);
Result<H265Sps> ParseH265Sps(std::span<const uint8_t> nal);

// One array of HEVCDecoderConfigurationRecord: NAL units of one type.
struct HvcCArray {
  bool array_completeness = true;  // all units of this type are here, none in the samples
  uint8_t nal_unit_type = 0;
  std::vector<std::vector<uint8_t>> nal_units;  // whole NAL units, headers included
};

// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), the payload of an "hvcC" box.
struct HevcDecoderConfig {
  uint8_t configuration_version = 1;
  H265ProfileTierLevel general;
  uint16_t min_spatial_segmentation_idc = 0;
  uint8_t parallelism_type = 0;  // 0: mixed or unknown
  uint8_t chroma_format_idc = 1;
  uint8_t bit_depth_luma_minus8 = 0;
  uint8_t bit_depth_chroma_minus8 = 0;
  uint16_t avg_frame_rate = 0;  // frames per 256 s; 0 unspecified
  uint8_t constant_frame_rate = 0;
  uint8_t num_temporal_layers = 1;
  bool temporal_id_nested = false;
  uint8_t length_size_minus_one = 3;
  std::vector<HvcCArray> arrays;

  // The NAL units of every array with the given type, in record order (views into this object).
  std::vector<std::span<const uint8_t>> NalUnitsOfType(uint8_t nal_unit_type) const;
};

// Parses an hvcC payload (without the 8-byte box header). kUnsupported if configurationVersion
// is not 1; kMalformed if it is truncated, lengthSizeMinusOne is 2, or a NAL unit is empty.
Result<HevcDecoderConfig> ParseHvcC(std::span<const uint8_t> hvcc_payload);

// Builds an hvcC payload (lengthSizeMinusOne = 3, array_completeness = 1) from whole VPS, SPS
// and PPS NAL units, written in the order given. The general_* fields, chroma format, bit depths
// and min_spatial_segmentation_idc come from the primary SPS, sps[primary_sps];
// numTemporalLayers is the larger of the primary VPS's (vps[primary_vps]) and SPS's sub-layer
// counts; temporalIdNested is the SPS's sps_temporal_id_nesting_flag; parallelismType,
// avgFrameRate and constantFrameRate are 0 (unknown). kInvalidArgument if a list is empty or over
// 65535 units, a primary index is out of range, a unit is empty, over 65535 bytes or of the wrong
// type; the VPS/SPS parse errors otherwise.
Result<std::vector<uint8_t>> BuildHvcC(const std::vector<std::span<const uint8_t>>& vps,
                                       const std::vector<std::span<const uint8_t>>& sps,
                                       const std::vector<std::span<const uint8_t>>& pps,
                                       size_t primary_vps = 0, size_t primary_sps = 0);

// Codec string of ISO/IEC 14496-15 Annex E.3, e.g. "hvc1.1.6.L120.90": sample entry type,
// profile space letter ("" / A / B / C) and profile idc, the compatibility flags bit-reversed in
// hex, tier L/H and level idc, then the six constraint bytes in hex with trailing zero bytes
// omitted. sample_entry is "hvc1" or "hev1".
std::string H265CodecString(const H265ProfileTierLevel& ptl,
                            std::string_view sample_entry = "hvc1");

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_H265_H_
