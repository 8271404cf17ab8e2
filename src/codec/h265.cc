// VPS and SPS parsing (ITU-T H.265 §7.3.2.1, §7.3.2.2, Annex E.2). hvcC lives in h265_config.cc.
#include "codec/h265.h"

#include <algorithm>
#include <array>
#include <string>

#include "codec/bit_reader.h"
#include "codec/nal.h"

namespace nightjar::codec {
namespace {

// Level 6.2 allows 35,651,584 luma samples with neither side over sqrt(8 * that) = 16888
// (A.4.1); twice that keeps all size arithmetic far from overflow.
constexpr uint32_t kMaxPictureSide = 32768;
// MaxDpbSize is at most 16 (A.4.2), so an RPS never lists more than 16 pictures.
constexpr int kMaxRpsPictures = 16;

// profile_tier_level(1, max_sub_layers_minus1) (§7.3.3).
Result<H265ProfileTierLevel> ParseProfileTierLevel(BitReader& r, uint32_t max_sub_layers_minus1) {
  H265ProfileTierLevel ptl;
  NJ_TRY(uint32_t space, r.ReadBits(2));
  NJ_TRY(ptl.general_tier_flag, r.ReadFlag());
  NJ_TRY(uint32_t profile_idc, r.ReadBits(5));
  NJ_TRY(ptl.general_profile_compatibility_flags, r.ReadBits(32));
  NJ_TRY(ptl.general_constraint_indicator_flags, r.ReadBits64(48));
  NJ_TRY(uint32_t level_idc, r.ReadBits(8));
  ptl.general_profile_space = static_cast<uint8_t>(space);
  ptl.general_profile_idc = static_cast<uint8_t>(profile_idc);
  ptl.general_level_idc = static_cast<uint8_t>(level_idc);

  std::array<bool, 8> profile_present{};
  std::array<bool, 8> level_present{};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    NJ_TRY(profile_present[i], r.ReadFlag());
    NJ_TRY(level_present[i], r.ReadFlag());
  }
  if (max_sub_layers_minus1 > 0) {
    NJ_CHECK_OK(r.SkipBits(size_t{2} * (8 - max_sub_layers_minus1)));  // reserved_zero_2bits
  }
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    // sub_layer profile: 2 + 1 + 5 + 32 + 48 bits; sub_layer_level_idc: 8 bits.
    if (profile_present[i]) NJ_CHECK_OK(r.SkipBits(88));
    if (level_present[i]) NJ_CHECK_OK(r.SkipBits(8));
  }
  return ptl;
}

// Checks the 2-byte NAL header (§7.3.1.2) and returns the unescaped payload after it.
Result<std::vector<uint8_t>> NalPayload(std::span<const uint8_t> nal, uint8_t expected_type) {
  if (nal.size() < 2) return Err(ErrorCode::kMalformed, "NAL unit shorter than its header");
  if (H265NalType(nal[0]) != expected_type) {
    return Err(ErrorCode::kMalformed, "NAL type " + std::to_string(H265NalType(nal[0])));
  }
  uint32_t nuh_layer_id = ((nal[0] & 1u) << 5) | (nal[1] >> 3);
  if (nuh_layer_id != 0) {
    return Err(ErrorCode::kUnsupported, "nuh_layer_id " + std::to_string(nuh_layer_id));
  }
  return UnescapeRbsp(nal.subspan(2));
}

Result<H265Vps> ParseVpsRbsp(BitReader& r) {
  H265Vps vps;
  NJ_TRY(uint32_t id, r.ReadBits(4));
  vps.vps_video_parameter_set_id = static_cast<uint8_t>(id);
  NJ_TRY(vps.vps_base_layer_internal_flag, r.ReadFlag());
  NJ_TRY(vps.vps_base_layer_available_flag, r.ReadFlag());
  NJ_TRY(uint32_t max_layers_minus1, r.ReadBits(6));
  NJ_TRY(uint32_t max_sub_layers_minus1, r.ReadBits(3));
  if (max_sub_layers_minus1 > 6) {
    return Err(ErrorCode::kMalformed, "vps_max_sub_layers_minus1 = 7");
  }
  vps.max_layers = static_cast<uint8_t>(max_layers_minus1 + 1);
  vps.max_sub_layers = static_cast<uint8_t>(max_sub_layers_minus1 + 1);
  NJ_TRY(vps.temporal_id_nesting_flag, r.ReadFlag());
  NJ_CHECK_OK(r.SkipBits(16));  // vps_reserved_0xffff_16bits
  NJ_TRY(vps.profile_tier_level, ParseProfileTierLevel(r, max_sub_layers_minus1));
  return vps;
}

// scaling_list_data() (§7.3.4): syntax only.
Result<void> SkipScalingListData(BitReader& r) {
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += (size_id == 3) ? 3 : 1) {
      NJ_TRY(bool pred_mode_flag, r.ReadFlag());
      if (!pred_mode_flag) {
        NJ_CHECK_OK(r.ReadUeMax(static_cast<uint32_t>(size_id == 3 ? matrix_id / 3 : matrix_id),
                                "scaling_list_pred_matrix_id_delta"));
        continue;
      }
      int coef_num = std::min(64, 1 << (4 + (size_id << 1)));
      if (size_id > 1) NJ_CHECK_OK(r.ReadSeRange(-7, 247, "scaling_list_dc_coef_minus8"));
      for (int i = 0; i < coef_num; ++i) {
        NJ_CHECK_OK(r.ReadSeRange(-128, 127, "scaling_list_delta_coef"));
      }
    }
  }
  return Ok();
}

// The delta POCs of one short-term reference picture set, needed to parse the sets that are
// predicted from it (§7.4.8).
struct ShortTermRps {
  int num_negative = 0;
  int num_positive = 0;
  std::array<int32_t, kMaxRpsPictures> delta_s0{};
  std::array<int32_t, kMaxRpsPictures> delta_s1{};
  int num_delta_pocs() const { return num_negative + num_positive; }
};

Result<void> Push(std::array<int32_t, kMaxRpsPictures>& list, int& count, int32_t value) {
  if (count >= kMaxRpsPictures) {
    return Err(ErrorCode::kMalformed, "short-term RPS lists more than 16 pictures");
  }
  list[count++] = value;
  return Ok();
}

// st_ref_pic_set() with inter_ref_pic_set_prediction_flag = 1, as used in an SPS (where
// delta_idx_minus1 is absent, so the reference is the previous set): equations 7-61 and 7-62.
Result<ShortTermRps> ParsePredictedRps(BitReader& r, const ShortTermRps& ref) {
  NJ_TRY(bool delta_rps_sign, r.ReadFlag());
  NJ_TRY(uint32_t abs_delta_rps_minus1, r.ReadUeMax(32767, "abs_delta_rps_minus1"));
  int32_t delta_rps = (delta_rps_sign ? -1 : 1) * static_cast<int32_t>(abs_delta_rps_minus1 + 1);
  // Each list holds at most kMaxRpsPictures, so a reference set has up to twice that in all.
  std::array<bool, 2 * kMaxRpsPictures + 1> use_delta{};
  if (ref.num_delta_pocs() > 2 * kMaxRpsPictures) {
    return Err(ErrorCode::kMalformed, "short-term RPS reference set is too large");
  }
  for (int j = 0; j <= ref.num_delta_pocs(); ++j) {
    NJ_TRY(bool used_by_curr_pic_flag, r.ReadFlag());
    use_delta[j] = true;  // inferred when used_by_curr_pic_flag is 1
    if (!used_by_curr_pic_flag) {
      NJ_TRY(use_delta[j], r.ReadFlag());
    }
  }
  ShortTermRps rps;
  for (int j = ref.num_positive - 1; j >= 0; --j) {
    int32_t d_poc = ref.delta_s1[j] + delta_rps;
    if (d_poc < 0 && use_delta[ref.num_negative + j]) {
      NJ_CHECK_OK(Push(rps.delta_s0, rps.num_negative, d_poc));
    }
  }
  if (delta_rps < 0 && use_delta[ref.num_delta_pocs()]) {
    NJ_CHECK_OK(Push(rps.delta_s0, rps.num_negative, delta_rps));
  }
  for (int j = 0; j < ref.num_negative; ++j) {
    int32_t d_poc = ref.delta_s0[j] + delta_rps;
    if (d_poc < 0 && use_delta[j]) NJ_CHECK_OK(Push(rps.delta_s0, rps.num_negative, d_poc));
  }
  for (int j = ref.num_negative - 1; j >= 0; --j) {
    int32_t d_poc = ref.delta_s0[j] + delta_rps;
    if (d_poc > 0 && use_delta[j]) NJ_CHECK_OK(Push(rps.delta_s1, rps.num_positive, d_poc));
  }
  if (delta_rps > 0 && use_delta[ref.num_delta_pocs()]) {
    NJ_CHECK_OK(Push(rps.delta_s1, rps.num_positive, delta_rps));
  }
  for (int j = 0; j < ref.num_positive; ++j) {
    int32_t d_poc = ref.delta_s1[j] + delta_rps;
    if (d_poc > 0 && use_delta[ref.num_negative + j]) {
      NJ_CHECK_OK(Push(rps.delta_s1, rps.num_positive, d_poc));
    }
  }
  return rps;
}

// st_ref_pic_set() with explicit delta POCs (§7.3.7, equations 7-63..7-66).
Result<ShortTermRps> ParseExplicitRps(BitReader& r) {
  ShortTermRps rps;
  NJ_TRY(uint32_t num_negative, r.ReadUeMax(kMaxRpsPictures, "num_negative_pics"));
  NJ_TRY(uint32_t num_positive, r.ReadUeMax(kMaxRpsPictures - num_negative, "num_positive_pics"));
  int32_t poc = 0;
  for (uint32_t i = 0; i < num_negative; ++i) {
    NJ_TRY(uint32_t delta_minus1, r.ReadUeMax(32767, "delta_poc_s0_minus1"));
    NJ_CHECK_OK(r.SkipBits(1));  // used_by_curr_pic_s0_flag
    poc -= static_cast<int32_t>(delta_minus1) + 1;
    NJ_CHECK_OK(Push(rps.delta_s0, rps.num_negative, poc));
  }
  poc = 0;
  for (uint32_t i = 0; i < num_positive; ++i) {
    NJ_TRY(uint32_t delta_minus1, r.ReadUeMax(32767, "delta_poc_s1_minus1"));
    NJ_CHECK_OK(r.SkipBits(1));  // used_by_curr_pic_s1_flag
    poc += static_cast<int32_t>(delta_minus1) + 1;
    NJ_CHECK_OK(Push(rps.delta_s1, rps.num_positive, poc));
  }
  return rps;
}

// All num_short_term_ref_pic_sets st_ref_pic_set(i) of the SPS.
Result<void> SkipShortTermRpsList(BitReader& r, uint32_t count) {
  std::vector<ShortTermRps> sets;
  sets.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    bool inter_rps_prediction = false;
    if (i != 0) {
      NJ_TRY(inter_rps_prediction, r.ReadFlag());
    }
    if (inter_rps_prediction) {
      NJ_TRY(ShortTermRps rps, ParsePredictedRps(r, sets.back()));
      sets.push_back(rps);
    } else {
      NJ_TRY(ShortTermRps rps, ParseExplicitRps(r));
      sets.push_back(rps);
    }
  }
  return Ok();
}

}  // namespace

Result<H265Vps> ParseH265Vps(std::span<const uint8_t> nal) {
  auto payload = NalPayload(nal, kH265NalVps);
  if (!payload) return std::unexpected(payload.error().Wrap("H.265 VPS"));
  BitReader r(*payload);
  auto vps = ParseVpsRbsp(r);
  if (!vps) return std::unexpected(vps.error().Wrap("H.265 VPS"));
  return vps;
}

namespace {

// sub_layer_hrd_parameters() (E.2.3): syntax only.
Result<void> SkipSubLayerHrd(BitReader& r, uint32_t cpb_cnt, bool sub_pic_hrd_params_present) {
  for (uint32_t i = 0; i < cpb_cnt; ++i) {
    NJ_CHECK_OK(r.ReadUe());  // bit_rate_value_minus1
    NJ_CHECK_OK(r.ReadUe());  // cpb_size_value_minus1
    if (sub_pic_hrd_params_present) {
      NJ_CHECK_OK(r.ReadUe());  // cpb_size_du_value_minus1
      NJ_CHECK_OK(r.ReadUe());  // bit_rate_du_value_minus1
    }
    NJ_CHECK_OK(r.SkipBits(1));  // cbr_flag
  }
  return Ok();
}

// hrd_parameters(1, max_sub_layers_minus1) (E.2.2): syntax only.
Result<void> SkipHrd(BitReader& r, uint32_t max_sub_layers_minus1) {
  NJ_TRY(bool nal_hrd, r.ReadFlag());
  NJ_TRY(bool vcl_hrd, r.ReadFlag());
  bool sub_pic = false;
  if (nal_hrd || vcl_hrd) {
    NJ_TRY(sub_pic, r.ReadFlag());
    // tick_divisor_minus2, du_cpb_removal_delay_increment_length_minus1,
    // sub_pic_cpb_params_in_pic_timing_sei_flag, dpb_output_delay_du_length_minus1.
    if (sub_pic) NJ_CHECK_OK(r.SkipBits(8 + 5 + 1 + 5));
    NJ_CHECK_OK(r.SkipBits(4 + 4));           // bit_rate_scale, cpb_size_scale
    if (sub_pic) NJ_CHECK_OK(r.SkipBits(4));  // cpb_size_du_scale
    NJ_CHECK_OK(r.SkipBits(5 + 5 + 5));       // the three *_length_minus1 fields
  }
  for (uint32_t i = 0; i <= max_sub_layers_minus1; ++i) {
    NJ_TRY(bool fixed_pic_rate_general, r.ReadFlag());
    bool fixed_pic_rate_within_cvs = true;  // inferred when the general flag is 1
    if (!fixed_pic_rate_general) {
      NJ_TRY(fixed_pic_rate_within_cvs, r.ReadFlag());
    }
    bool low_delay_hrd = false;
    if (fixed_pic_rate_within_cvs) {
      NJ_CHECK_OK(r.ReadUeMax(2047, "elemental_duration_in_tc_minus1"));
    } else {
      NJ_TRY(low_delay_hrd, r.ReadFlag());
    }
    uint32_t cpb_cnt_minus1 = 0;
    if (!low_delay_hrd) {
      NJ_TRY(cpb_cnt_minus1, r.ReadUeMax(31, "cpb_cnt_minus1"));
    }
    if (nal_hrd) NJ_CHECK_OK(SkipSubLayerHrd(r, cpb_cnt_minus1 + 1, sub_pic));
    if (vcl_hrd) NJ_CHECK_OK(SkipSubLayerHrd(r, cpb_cnt_minus1 + 1, sub_pic));
  }
  return Ok();
}

// vui_timing_info through vui_hrd_parameters (E.2.1).
Result<void> ParseVuiTiming(BitReader& r, H265Sps& sps) {
  NJ_TRY(sps.timing_info_present_flag, r.ReadFlag());
  if (!sps.timing_info_present_flag) return Ok();
  NJ_TRY(sps.num_units_in_tick, r.ReadBits(32));
  NJ_TRY(sps.time_scale, r.ReadBits(32));
  if (sps.num_units_in_tick != 0 && sps.time_scale != 0) {
    sps.frame_rate = MakeRational(sps.time_scale, sps.num_units_in_tick);
  }
  NJ_TRY(bool poc_proportional_to_timing, r.ReadFlag());
  if (poc_proportional_to_timing) NJ_CHECK_OK(r.ReadUe());  // vui_num_ticks_poc_diff_one_minus1
  NJ_TRY(sps.hrd_parameters_present_flag, r.ReadFlag());
  if (sps.hrd_parameters_present_flag) NJ_CHECK_OK(SkipHrd(r, sps.max_sub_layers - 1u));
  return Ok();
}

// vui_parameters() (E.2.1).
Result<void> ParseVui(BitReader& r, H265Sps& sps) {
  NJ_TRY(sps.vui, ParseVuiBasics(r));
  NJ_CHECK_OK(r.SkipBits(1));  // neutral_chroma_indication_flag
  NJ_TRY(sps.field_seq_flag, r.ReadFlag());
  NJ_TRY(sps.frame_field_info_present_flag, r.ReadFlag());
  NJ_TRY(sps.default_display_window_flag, r.ReadFlag());
  if (sps.default_display_window_flag) {
    for (int i = 0; i < 4; ++i) NJ_CHECK_OK(r.ReadUe());  // def_disp_win_*_offset
  }
  NJ_CHECK_OK(ParseVuiTiming(r, sps));
  NJ_TRY(sps.bitstream_restriction_flag, r.ReadFlag());
  if (sps.bitstream_restriction_flag) {
    // tiles_fixed_structure_flag, motion_vectors_over_pic_boundaries_flag,
    // restricted_ref_pic_lists_flag.
    NJ_CHECK_OK(r.SkipBits(3));
    NJ_TRY(sps.min_spatial_segmentation_idc, r.ReadUeMax(4095, "min_spatial_segmentation_idc"));
    NJ_CHECK_OK(r.ReadUeMax(16, "max_bytes_per_pic_denom"));
    NJ_CHECK_OK(r.ReadUeMax(16, "max_bits_per_min_cu_denom"));
    NJ_CHECK_OK(r.ReadUeMax(16, "log2_max_mv_length_horizontal"));
    NJ_CHECK_OK(r.ReadUeMax(16, "log2_max_mv_length_vertical"));
  }
  return Ok();
}

// sps_seq_parameter_set_id through the bit depths, and the cropped size (§7.4.3.2.1).
Result<void> ParseSpsFormat(BitReader& r, H265Sps& sps) {
  NJ_TRY(sps.sps_seq_parameter_set_id, r.ReadUeMax(15, "sps_seq_parameter_set_id"));
  NJ_TRY(sps.chroma_format_idc, r.ReadUeMax(3, "chroma_format_idc"));
  if (sps.chroma_format_idc == 3) {
    NJ_TRY(sps.separate_colour_plane_flag, r.ReadFlag());
  }
  NJ_TRY(sps.pic_width_in_luma_samples, r.ReadUeMax(kMaxPictureSide, "pic_width_in_luma_samples"));
  NJ_TRY(sps.pic_height_in_luma_samples,
         r.ReadUeMax(kMaxPictureSide, "pic_height_in_luma_samples"));
  NJ_TRY(sps.conformance_window_flag, r.ReadFlag());
  if (sps.conformance_window_flag) {
    NJ_TRY(sps.conf_win_left_offset, r.ReadUe());
    NJ_TRY(sps.conf_win_right_offset, r.ReadUe());
    NJ_TRY(sps.conf_win_top_offset, r.ReadUe());
    NJ_TRY(sps.conf_win_bottom_offset, r.ReadUe());
  }
  // Table 6-1: SubWidthC and SubHeightC are 2 only for 4:2:0 (both) and 4:2:2 (width).
  uint32_t chroma_array_type = sps.separate_colour_plane_flag ? 0 : sps.chroma_format_idc;
  uint64_t sub_width_c = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  uint64_t sub_height_c = chroma_array_type == 1 ? 2 : 1;
  uint64_t crop_x = sub_width_c * (uint64_t{sps.conf_win_left_offset} + sps.conf_win_right_offset);
  uint64_t crop_y = sub_height_c * (uint64_t{sps.conf_win_top_offset} + sps.conf_win_bottom_offset);
  if (crop_x >= sps.pic_width_in_luma_samples || crop_y >= sps.pic_height_in_luma_samples) {
    return Err(ErrorCode::kMalformed, "conformance window removes the whole picture");
  }
  sps.width = sps.pic_width_in_luma_samples - static_cast<uint32_t>(crop_x);
  sps.height = sps.pic_height_in_luma_samples - static_cast<uint32_t>(crop_y);
  NJ_TRY(uint32_t luma_minus8, r.ReadUeMax(8, "bit_depth_luma_minus8"));
  NJ_TRY(uint32_t chroma_minus8, r.ReadUeMax(8, "bit_depth_chroma_minus8"));
  sps.bit_depth_luma = luma_minus8 + 8;
  sps.bit_depth_chroma = chroma_minus8 + 8;
  return Ok();
}

// log2_max_pic_order_cnt_lsb_minus4 through the block sizes.
Result<void> ParseSpsBlockSizes(BitReader& r, H265Sps& sps) {
  NJ_TRY(uint32_t poc_lsb_minus4, r.ReadUeMax(12, "log2_max_pic_order_cnt_lsb_minus4"));
  sps.log2_max_pic_order_cnt_lsb = poc_lsb_minus4 + 4;
  NJ_TRY(bool ordering_info_for_all, r.ReadFlag());
  uint32_t last = sps.max_sub_layers - 1u;
  for (uint32_t i = ordering_info_for_all ? 0 : last; i <= last; ++i) {
    NJ_TRY(uint32_t dpb_minus1, r.ReadUeMax(15, "sps_max_dec_pic_buffering_minus1"));
    NJ_TRY(sps.max_num_reorder_pics, r.ReadUeMax(dpb_minus1, "sps_max_num_reorder_pics"));
    NJ_TRY(sps.max_latency_increase_plus1, r.ReadUe());
    sps.max_dec_pic_buffering = dpb_minus1 + 1;
  }
  NJ_TRY(uint32_t min_cb_minus3, r.ReadUeMax(3, "log2_min_luma_coding_block_size_minus3"));
  NJ_TRY(uint32_t diff_cb, r.ReadUeMax(3, "log2_diff_max_min_luma_coding_block_size"));
  NJ_TRY(uint32_t min_tb_minus2, r.ReadUeMax(3, "log2_min_luma_transform_block_size_minus2"));
  NJ_TRY(uint32_t diff_tb, r.ReadUeMax(3, "log2_diff_max_min_luma_transform_block_size"));
  sps.log2_min_luma_coding_block_size = min_cb_minus3 + 3;
  sps.log2_ctb_size = sps.log2_min_luma_coding_block_size + diff_cb;
  sps.log2_min_luma_transform_block_size = min_tb_minus2 + 2;
  sps.log2_max_luma_transform_block_size = sps.log2_min_luma_transform_block_size + diff_tb;
  if (sps.log2_ctb_size > 6) return Err(ErrorCode::kMalformed, "CTB larger than 64x64");
  uint32_t min_cb_mask = (1u << sps.log2_min_luma_coding_block_size) - 1;
  if ((sps.pic_width_in_luma_samples & min_cb_mask) != 0 ||
      (sps.pic_height_in_luma_samples & min_cb_mask) != 0 || sps.pic_width_in_luma_samples == 0 ||
      sps.pic_height_in_luma_samples == 0) {
    return Err(ErrorCode::kMalformed, "picture size is not a positive multiple of MinCbSizeY");
  }
  NJ_CHECK_OK(r.ReadUeMax(4, "max_transform_hierarchy_depth_inter"));
  NJ_CHECK_OK(r.ReadUeMax(4, "max_transform_hierarchy_depth_intra"));
  return Ok();
}

// scaling_list_enabled_flag through strong_intra_smoothing_enabled_flag.
Result<void> ParseSpsTools(BitReader& r, H265Sps& sps) {
  NJ_TRY(sps.scaling_list_enabled_flag, r.ReadFlag());
  if (sps.scaling_list_enabled_flag) {
    NJ_TRY(bool data_present, r.ReadFlag());
    if (data_present) NJ_CHECK_OK(SkipScalingListData(r));
  }
  NJ_TRY(sps.amp_enabled_flag, r.ReadFlag());
  NJ_TRY(sps.sample_adaptive_offset_enabled_flag, r.ReadFlag());
  NJ_TRY(sps.pcm_enabled_flag, r.ReadFlag());
  if (sps.pcm_enabled_flag) {
    NJ_CHECK_OK(r.SkipBits(4 + 4));  // pcm_sample_bit_depth_{luma,chroma}_minus1
    NJ_CHECK_OK(r.ReadUeMax(2, "log2_min_pcm_luma_coding_block_size_minus3"));
    NJ_CHECK_OK(r.ReadUeMax(2, "log2_diff_max_min_pcm_luma_coding_block_size"));
    NJ_CHECK_OK(r.SkipBits(1));  // pcm_loop_filter_disabled_flag
  }
  NJ_TRY(sps.num_short_term_ref_pic_sets, r.ReadUeMax(64, "num_short_term_ref_pic_sets"));
  NJ_CHECK_OK(SkipShortTermRpsList(r, sps.num_short_term_ref_pic_sets));
  NJ_TRY(sps.long_term_ref_pics_present_flag, r.ReadFlag());
  if (sps.long_term_ref_pics_present_flag) {
    NJ_TRY(sps.num_long_term_ref_pics_sps, r.ReadUeMax(32, "num_long_term_ref_pics_sps"));
    for (uint32_t i = 0; i < sps.num_long_term_ref_pics_sps; ++i) {
      // lt_ref_pic_poc_lsb_sps (u(v), log2_max_pic_order_cnt_lsb bits), used_by_curr_pic_lt_sps.
      NJ_CHECK_OK(r.SkipBits(sps.log2_max_pic_order_cnt_lsb + 1));
    }
  }
  NJ_TRY(sps.sps_temporal_mvp_enabled_flag, r.ReadFlag());
  NJ_TRY(sps.strong_intra_smoothing_enabled_flag, r.ReadFlag());
  return Ok();
}

Result<H265Sps> ParseSpsRbsp(BitReader& r) {
  H265Sps sps;
  NJ_TRY(uint32_t vps_id, r.ReadBits(4));
  NJ_TRY(uint32_t max_sub_layers_minus1, r.ReadBits(3));
  if (max_sub_layers_minus1 > 6) return Err(ErrorCode::kMalformed, "sps_max_sub_layers_minus1 = 7");
  sps.sps_video_parameter_set_id = static_cast<uint8_t>(vps_id);
  sps.max_sub_layers = static_cast<uint8_t>(max_sub_layers_minus1 + 1);
  NJ_TRY(sps.temporal_id_nesting_flag, r.ReadFlag());
  NJ_TRY(sps.profile_tier_level, ParseProfileTierLevel(r, max_sub_layers_minus1));
  NJ_CHECK_OK(ParseSpsFormat(r, sps));
  NJ_CHECK_OK(ParseSpsBlockSizes(r, sps));
  NJ_CHECK_OK(ParseSpsTools(r, sps));
  NJ_TRY(sps.vui_parameters_present_flag, r.ReadFlag());
  if (sps.vui_parameters_present_flag) NJ_CHECK_OK(ParseVui(r, sps));
  return sps;
}

}  // namespace

Result<H265Sps> ParseH265Sps(std::span<const uint8_t> nal) {
  auto payload = NalPayload(nal, kH265NalSps);
  if (!payload) return std::unexpected(payload.error().Wrap("H.265 SPS"));
  BitReader r(*payload);
  auto sps = ParseSpsRbsp(r);
  if (!sps) return std::unexpected(sps.error().Wrap("H.265 SPS"));
  return sps;
}

}  // namespace nightjar::codec
