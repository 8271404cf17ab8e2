#include "codec/h264.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "codec/bit_reader.h"
#include "codec/nal.h"

namespace nightjar::codec {
namespace {

// Generous bound on the picture size in macroblocks per dimension: level 6.2 allows at most
// sqrt(8 * 139264) = 1055 (Table A-1, A.3.1 item f); twice that keeps sizes far from overflow.
constexpr uint32_t kMaxMbsPerDimension = 2048;
// MaxDpbFrames never exceeds 16 (A.3.1 item h).
constexpr uint32_t kMaxDpbFrames = 16;

// scaling_list() (§7.3.2.1.1.1): only the syntax is consumed; the values are not needed.
Result<void> SkipScalingList(BitReader& r, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size; ++j) {
    if (next_scale != 0) {
      NJ_TRY(int32_t delta_scale, r.ReadSeRange(-128, 127, "delta_scale"));
      next_scale = (last_scale + delta_scale + 256) % 256;
    }
    if (next_scale != 0) last_scale = next_scale;
  }
  return Ok();
}

// The high-profile block: chroma_format_idc through seq_scaling_matrix_present_flag.
Result<void> ParseChromaInfo(BitReader& r, H264Sps& sps) {
  NJ_TRY(sps.chroma_format_idc, r.ReadUeMax(3, "chroma_format_idc"));
  if (sps.chroma_format_idc == 3) {
    NJ_TRY(sps.separate_colour_plane_flag, r.ReadFlag());
  }
  NJ_TRY(uint32_t luma_minus8, r.ReadUeMax(6, "bit_depth_luma_minus8"));
  NJ_TRY(uint32_t chroma_minus8, r.ReadUeMax(6, "bit_depth_chroma_minus8"));
  sps.bit_depth_luma = luma_minus8 + 8;
  sps.bit_depth_chroma = chroma_minus8 + 8;
  NJ_TRY(sps.qpprime_y_zero_transform_bypass_flag, r.ReadFlag());
  NJ_TRY(sps.seq_scaling_matrix_present_flag, r.ReadFlag());
  if (sps.seq_scaling_matrix_present_flag) {
    int lists = sps.chroma_format_idc != 3 ? 8 : 12;
    for (int i = 0; i < lists; ++i) {
      NJ_TRY(bool present, r.ReadFlag());
      if (present) NJ_CHECK_OK(SkipScalingList(r, i < 6 ? 16 : 64));
    }
  }
  return Ok();
}

Result<void> ParsePicOrderCnt(BitReader& r, H264Sps& sps) {
  NJ_TRY(sps.pic_order_cnt_type, r.ReadUeMax(2, "pic_order_cnt_type"));
  if (sps.pic_order_cnt_type == 0) {
    NJ_TRY(uint32_t lsb_minus4, r.ReadUeMax(12, "log2_max_pic_order_cnt_lsb_minus4"));
    sps.log2_max_pic_order_cnt_lsb = lsb_minus4 + 4;
  } else if (sps.pic_order_cnt_type == 1) {
    NJ_TRY(sps.delta_pic_order_always_zero_flag, r.ReadFlag());
    NJ_TRY(sps.offset_for_non_ref_pic, r.ReadSe());
    NJ_TRY(sps.offset_for_top_to_bottom_field, r.ReadSe());
    NJ_TRY(sps.num_ref_frames_in_pic_order_cnt_cycle,
           r.ReadUeMax(255, "num_ref_frames_in_pic_order_cnt_cycle"));
    for (uint32_t i = 0; i < sps.num_ref_frames_in_pic_order_cnt_cycle; ++i) {
      NJ_TRY(int32_t offset_for_ref_frame, r.ReadSe());
      (void)offset_for_ref_frame;
    }
  }
  return Ok();
}

// pic_width_in_mbs_minus1 through the frame cropping offsets.
Result<void> ParseFrameGeometry(BitReader& r, H264Sps& sps) {
  NJ_TRY(uint32_t width_minus1, r.ReadUeMax(kMaxMbsPerDimension - 1, "pic_width_in_mbs_minus1"));
  NJ_TRY(uint32_t height_minus1,
         r.ReadUeMax(kMaxMbsPerDimension - 1, "pic_height_in_map_units_minus1"));
  sps.pic_width_in_mbs = width_minus1 + 1;
  sps.pic_height_in_map_units = height_minus1 + 1;
  NJ_TRY(sps.frame_mbs_only_flag, r.ReadFlag());
  if (!sps.frame_mbs_only_flag) {
    NJ_TRY(sps.mb_adaptive_frame_field_flag, r.ReadFlag());
  }
  NJ_TRY(sps.direct_8x8_inference_flag, r.ReadFlag());
  NJ_TRY(sps.frame_cropping_flag, r.ReadFlag());
  if (sps.frame_cropping_flag) {
    NJ_TRY(sps.frame_crop_left_offset, r.ReadUe());
    NJ_TRY(sps.frame_crop_right_offset, r.ReadUe());
    NJ_TRY(sps.frame_crop_top_offset, r.ReadUe());
    NJ_TRY(sps.frame_crop_bottom_offset, r.ReadUe());
  }
  return Ok();
}

// Cropped dimensions per equations 7-19..7-22 and the CropUnitX/CropUnitY definitions.
Result<void> ComputeDimensions(H264Sps& sps) {
  uint32_t chroma_array_type = sps.separate_colour_plane_flag ? 0 : sps.chroma_format_idc;
  uint64_t sub_width_c = chroma_array_type == 3 ? 1 : 2;
  uint64_t sub_height_c = chroma_array_type == 1 ? 2 : 1;
  uint64_t field_factor = sps.frame_mbs_only_flag ? 1 : 2;
  uint64_t crop_unit_x = chroma_array_type == 0 ? 1 : sub_width_c;
  uint64_t crop_unit_y = (chroma_array_type == 0 ? 1 : sub_height_c) * field_factor;
  uint64_t full_width = uint64_t{sps.pic_width_in_mbs} * 16;
  uint64_t full_height = field_factor * sps.pic_height_in_map_units * 16;
  uint64_t crop_x =
      crop_unit_x * (uint64_t{sps.frame_crop_left_offset} + sps.frame_crop_right_offset);
  uint64_t crop_y =
      crop_unit_y * (uint64_t{sps.frame_crop_top_offset} + sps.frame_crop_bottom_offset);
  if (crop_x >= full_width || crop_y >= full_height) {
    return Err(ErrorCode::kMalformed, "frame cropping removes the whole picture");
  }
  sps.width = static_cast<uint32_t>(full_width - crop_x);
  sps.height = static_cast<uint32_t>(full_height - crop_y);
  return Ok();
}

// hrd_parameters() (E.1.2).
Result<H264Hrd> ParseHrd(BitReader& r) {
  H264Hrd hrd;
  NJ_TRY(uint32_t cpb_cnt_minus1, r.ReadUeMax(31, "cpb_cnt_minus1"));
  hrd.cpb_cnt = cpb_cnt_minus1 + 1;
  NJ_TRY(uint32_t bit_rate_scale, r.ReadBits(4));
  NJ_TRY(uint32_t cpb_size_scale, r.ReadBits(4));
  for (uint32_t i = 0; i < hrd.cpb_cnt; ++i) {
    NJ_TRY(uint32_t bit_rate_value_minus1, r.ReadUe());
    NJ_TRY(uint32_t cpb_size_value_minus1, r.ReadUe());
    NJ_TRY(bool cbr_flag, r.ReadFlag());
    if (i == 0) {
      // Equations E-1 and E-2.
      hrd.bit_rate = (uint64_t{bit_rate_value_minus1} + 1) << (6 + bit_rate_scale);
      hrd.cpb_size = (uint64_t{cpb_size_value_minus1} + 1) << (4 + cpb_size_scale);
      hrd.cbr_flag = cbr_flag;
    }
  }
  // initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_minus1,
  // dpb_output_delay_length_minus1, time_offset_length.
  NJ_CHECK_OK(r.SkipBits(size_t{5} * 4));
  return hrd;
}

Result<void> ParseTimingAndHrd(BitReader& r, H264Sps& sps) {
  NJ_TRY(sps.timing_info_present_flag, r.ReadFlag());
  if (sps.timing_info_present_flag) {
    NJ_TRY(sps.num_units_in_tick, r.ReadBits(32));
    NJ_TRY(sps.time_scale, r.ReadBits(32));
    NJ_TRY(sps.fixed_frame_rate_flag, r.ReadFlag());
    if (sps.num_units_in_tick != 0 && sps.time_scale != 0) {
      sps.frame_rate = MakeRational(sps.time_scale, uint64_t{2} * sps.num_units_in_tick);
    }
  }
  NJ_TRY(bool nal_hrd_present, r.ReadFlag());
  if (nal_hrd_present) {
    NJ_TRY(sps.nal_hrd, ParseHrd(r));
  }
  NJ_TRY(bool vcl_hrd_present, r.ReadFlag());
  if (vcl_hrd_present) {
    NJ_TRY(sps.vcl_hrd, ParseHrd(r));
  }
  if (nal_hrd_present || vcl_hrd_present) {
    NJ_TRY(sps.low_delay_hrd_flag, r.ReadFlag());
  }
  return Ok();
}

// vui_parameters() (E.1.1).
Result<void> ParseVui(BitReader& r, H264Sps& sps) {
  NJ_TRY(sps.vui, ParseVuiBasics(r));
  NJ_CHECK_OK(ParseTimingAndHrd(r, sps));
  NJ_TRY(sps.pic_struct_present_flag, r.ReadFlag());
  NJ_TRY(sps.bitstream_restriction_flag, r.ReadFlag());
  if (sps.bitstream_restriction_flag) {
    NJ_TRY(bool motion_vectors_over_pic_boundaries_flag, r.ReadFlag());
    (void)motion_vectors_over_pic_boundaries_flag;
    NJ_CHECK_OK(r.ReadUeMax(16, "max_bytes_per_pic_denom"));
    NJ_CHECK_OK(r.ReadUeMax(16, "max_bits_per_mb_denom"));
    NJ_CHECK_OK(r.ReadUeMax(16, "log2_max_mv_length_horizontal"));
    NJ_CHECK_OK(r.ReadUeMax(16, "log2_max_mv_length_vertical"));
    NJ_TRY(sps.max_num_reorder_frames, r.ReadUeMax(kMaxDpbFrames, "max_num_reorder_frames"));
    NJ_TRY(sps.max_dec_frame_buffering, r.ReadUeMax(kMaxDpbFrames, "max_dec_frame_buffering"));
  }
  return Ok();
}

Result<H264Sps> ParseSpsRbsp(BitReader& r) {
  H264Sps sps;
  NJ_TRY(uint32_t profile_idc, r.ReadBits(8));
  NJ_TRY(uint32_t constraint_flags, r.ReadBits(8));
  NJ_TRY(uint32_t level_idc, r.ReadBits(8));
  sps.profile_idc = static_cast<uint8_t>(profile_idc);
  sps.constraint_flags = static_cast<uint8_t>(constraint_flags);
  sps.level_idc = static_cast<uint8_t>(level_idc);
  NJ_TRY(sps.seq_parameter_set_id, r.ReadUeMax(31, "seq_parameter_set_id"));
  if (H264ProfileHasChromaInfo(sps.profile_idc)) NJ_CHECK_OK(ParseChromaInfo(r, sps));
  NJ_TRY(uint32_t frame_num_minus4, r.ReadUeMax(12, "log2_max_frame_num_minus4"));
  sps.log2_max_frame_num = frame_num_minus4 + 4;
  NJ_CHECK_OK(ParsePicOrderCnt(r, sps));
  NJ_TRY(sps.max_num_ref_frames, r.ReadUeMax(kMaxDpbFrames, "max_num_ref_frames"));
  NJ_TRY(sps.gaps_in_frame_num_value_allowed_flag, r.ReadFlag());
  NJ_CHECK_OK(ParseFrameGeometry(r, sps));
  NJ_CHECK_OK(ComputeDimensions(sps));
  NJ_TRY(sps.vui_parameters_present_flag, r.ReadFlag());
  if (sps.vui_parameters_present_flag) NJ_CHECK_OK(ParseVui(r, sps));
  return sps;
}

bool HasAvcCHighProfileFields(uint8_t profile_idc) {
  // ISO/IEC 14496-15 §5.3.3.1.1: the extension is present for these profiles only.
  return profile_idc == 100 || profile_idc == 110 || profile_idc == 122 || profile_idc == 144;
}

Result<std::vector<std::vector<uint8_t>>> ReadParameterSets(BitReader& r, size_t count,
                                                            const char* what) {
  std::vector<std::vector<uint8_t>> sets;
  for (size_t i = 0; i < count; ++i) {
    NJ_TRY(uint32_t length, r.ReadBits(16));
    if (length == 0) return Err(ErrorCode::kMalformed, std::string("empty ") + what);
    NJ_TRY(std::span<const uint8_t> bytes, r.ReadBytes(length));
    sets.emplace_back(bytes.begin(), bytes.end());
  }
  return sets;
}

// The optional trailer of §5.3.3.1.1 for high profiles.
Result<void> ParseAvcCHighProfileFields(BitReader& r, AvcDecoderConfig& config) {
  NJ_TRY(uint32_t chroma_format, r.ReadBits(8));
  NJ_TRY(uint32_t luma_minus8, r.ReadBits(8));
  NJ_TRY(uint32_t chroma_minus8, r.ReadBits(8));
  NJ_TRY(uint32_t num_sps_ext, r.ReadBits(8));
  NJ_TRY(config.sps_ext, ReadParameterSets(r, num_sps_ext, "SPS extension"));
  config.chroma_format = static_cast<uint8_t>(chroma_format & 0x03);
  config.bit_depth_luma_minus8 = static_cast<uint8_t>(luma_minus8 & 0x07);
  config.bit_depth_chroma_minus8 = static_cast<uint8_t>(chroma_minus8 & 0x07);
  config.has_high_profile_fields = true;
  return Ok();
}

Result<AvcDecoderConfig> ParseAvcCRecord(std::span<const uint8_t> payload) {
  BitReader r(payload);
  AvcDecoderConfig config;
  NJ_TRY(uint32_t version, r.ReadBits(8));
  if (version != 1) {
    return Err(ErrorCode::kUnsupported, "configurationVersion " + std::to_string(version));
  }
  NJ_TRY(uint32_t profile, r.ReadBits(8));
  NJ_TRY(uint32_t compatibility, r.ReadBits(8));
  NJ_TRY(uint32_t level, r.ReadBits(8));
  config.profile_indication = static_cast<uint8_t>(profile);
  config.profile_compatibility = static_cast<uint8_t>(compatibility);
  config.level_indication = static_cast<uint8_t>(level);
  NJ_TRY(uint32_t length_byte, r.ReadBits(8));  // 6 reserved bits + lengthSizeMinusOne
  config.length_size_minus_one = static_cast<uint8_t>(length_byte & 0x03);
  if (config.length_size_minus_one == 2) {
    return Err(ErrorCode::kMalformed, "lengthSizeMinusOne 2 is not allowed");
  }
  NJ_TRY(uint32_t num_sps, r.ReadBits(8));  // 3 reserved bits + numOfSequenceParameterSets
  NJ_TRY(config.sps, ReadParameterSets(r, num_sps & 0x1f, "SPS"));
  NJ_TRY(uint32_t num_pps, r.ReadBits(8));
  NJ_TRY(config.pps, ReadParameterSets(r, num_pps, "PPS"));
  if (HasAvcCHighProfileFields(config.profile_indication) && r.bits_left() >= 32) {
    AvcDecoderConfig with_ext = config;
    if (ParseAvcCHighProfileFields(r, with_ext)) config = std::move(with_ext);
  }
  return config;
}

void AppendU16(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

Result<void> CheckUnits(const std::vector<std::span<const uint8_t>>& units, uint8_t type,
                        const char* what) {
  for (const auto& unit : units) {
    if (unit.empty() || unit.size() > 0xffff) {
      return Err(ErrorCode::kInvalidArgument,
                 std::string(what) + " of " + std::to_string(unit.size()) + " bytes");
    }
    if (H264NalType(unit[0]) != type) {
      return Err(ErrorCode::kInvalidArgument,
                 std::string(what) + " has NAL type " + std::to_string(H264NalType(unit[0])));
    }
  }
  return Ok();
}

}  // namespace

bool H264ProfileHasChromaInfo(uint8_t p) {
  return p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 ||
         p == 118 || p == 128 || p == 138 || p == 139 || p == 134 || p == 135;
}

Result<H264Sps> ParseH264Sps(std::span<const uint8_t> nal) {
  if (nal.empty()) return Err(ErrorCode::kMalformed, "H.264 SPS: empty NAL unit");
  if (H264NalType(nal[0]) != kH264NalSps) {
    return Err(ErrorCode::kMalformed, "H.264 SPS: NAL type " + std::to_string(H264NalType(nal[0])));
  }
  std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(1));
  BitReader r(rbsp);
  auto sps = ParseSpsRbsp(r);
  if (!sps) return std::unexpected(sps.error().Wrap("H.264 SPS"));
  return sps;
}

Result<H264Pps> ParseH264Pps(std::span<const uint8_t> nal) {
  if (nal.empty() || H264NalType(nal[0]) != kH264NalPps) {
    return Err(ErrorCode::kMalformed, "H.264 PPS: not a PPS NAL unit");
  }
  // Only the first few fields are needed, so unescaping a short prefix is enough.
  std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(1, std::min<size_t>(nal.size() - 1, 32)));
  BitReader r(rbsp);
  auto parse = [&]() -> Result<H264Pps> {
    H264Pps pps;
    NJ_TRY(pps.pic_parameter_set_id, r.ReadUeMax(255, "pic_parameter_set_id"));
    NJ_TRY(pps.seq_parameter_set_id, r.ReadUeMax(31, "seq_parameter_set_id"));
    NJ_TRY(pps.entropy_coding_mode_flag, r.ReadFlag());
    NJ_TRY(pps.bottom_field_pic_order_in_frame_present_flag, r.ReadFlag());
    return pps;
  };
  auto pps = parse();
  if (!pps) return std::unexpected(pps.error().Wrap("H.264 PPS"));
  return pps;
}

Result<AvcDecoderConfig> ParseAvcC(std::span<const uint8_t> avcc_payload) {
  auto config = ParseAvcCRecord(avcc_payload);
  if (!config) return std::unexpected(config.error().Wrap("avcC"));
  return config;
}

Result<std::vector<uint8_t>> BuildAvcC(const std::vector<std::span<const uint8_t>>& sps,
                                       const std::vector<std::span<const uint8_t>>& pps,
                                       size_t primary_sps) {
  if (sps.empty() || sps.size() > 31 || pps.size() > 255 || primary_sps >= sps.size()) {
    return Err(ErrorCode::kInvalidArgument, "avcC needs 1..31 SPS and at most 255 PPS");
  }
  NJ_CHECK_OK(CheckUnits(sps, kH264NalSps, "SPS"));
  NJ_CHECK_OK(CheckUnits(pps, kH264NalPps, "PPS"));
  NJ_TRY(H264Sps first, ParseH264Sps(sps[primary_sps]));
  std::vector<uint8_t> out = {1,
                              first.profile_idc,
                              first.constraint_flags,
                              first.level_idc,
                              0xff,  // reserved '111111' + lengthSizeMinusOne = 3
                              static_cast<uint8_t>(0xe0 | sps.size())};
  for (const auto& unit : sps) {
    AppendU16(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const auto& unit : pps) {
    AppendU16(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
  if (HasAvcCHighProfileFields(first.profile_idc)) {
    out.push_back(static_cast<uint8_t>(0xfc | first.chroma_format_idc));
    out.push_back(static_cast<uint8_t>(0xf8 | (first.bit_depth_luma - 8)));
    out.push_back(static_cast<uint8_t>(0xf8 | (first.bit_depth_chroma - 8)));
    out.push_back(0);  // numOfSequenceParameterSetExt
  }
  return out;
}

std::string H264CodecString(uint8_t profile_idc, uint8_t constraint_flags, uint8_t level_idc) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "avc1.%02X%02X%02X", profile_idc, constraint_flags, level_idc);
  return buf;
}

std::string H264CodecString(const H264Sps& sps) {
  return H264CodecString(sps.profile_idc, sps.constraint_flags, sps.level_idc);
}

}  // namespace nightjar::codec
