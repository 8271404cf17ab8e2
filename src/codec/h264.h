// H.264 parameter sets and the MP4 decoder configuration record.
//
// Owns: parsing the sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI Annex E.1.1) into the
// fields a recorder and muxer need (dimensions, bit depth, frame rate, reorder depth), a minimal
// picture parameter set parse, the AVCDecoderConfigurationRecord ("avcC", ISO/IEC 14496-15
// §5.3.3.1) and the RFC 6381 codec string.
//
// All functions are pure and thread-safe. Inputs are caller-owned and only read during the call;
// results own their data. Malformed or truncated input yields kMalformed, syntax we do not handle
// yields kUnsupported; no input can crash or allocate more than a small multiple of its own size.
#ifndef NIGHTJAR_CODEC_H264_H_
#define NIGHTJAR_CODEC_H264_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "codec/rational.h"
#include "codec/vui.h"

namespace nightjar::codec {

// hrd_parameters() (E.1.2), summarised: only the first CPB's figures are kept.
struct H264Hrd {
  uint32_t cpb_cnt = 1;   // cpb_cnt_minus1 + 1
  uint64_t bit_rate = 0;  // bits/s of the first CPB: (bit_rate_value_minus1 + 1) << (6 + scale)
  uint64_t cpb_size = 0;  // bits of the first CPB
  bool cbr_flag = false;
};

struct H264Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5_flag and reserved_zero_2bits, as one byte
  uint8_t level_idc = 0;
  uint32_t seq_parameter_set_id = 0;

  // Present in the bitstream only for the high profiles (100, 110, 122, 244, ...); inferred
  // otherwise as 4:2:0, 8 bits.
  uint32_t chroma_format_idc = 1;  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane_flag = false;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  bool qpprime_y_zero_transform_bypass_flag = false;
  bool seq_scaling_matrix_present_flag = false;  // the lists themselves are skipped

  uint32_t log2_max_frame_num = 4;
  uint32_t pic_order_cnt_type = 0;
  uint32_t log2_max_pic_order_cnt_lsb = 4;             // pic_order_cnt_type 0 only
  bool delta_pic_order_always_zero_flag = false;       // type 1 only
  int32_t offset_for_non_ref_pic = 0;                  // type 1 only
  int32_t offset_for_top_to_bottom_field = 0;          // type 1 only
  uint32_t num_ref_frames_in_pic_order_cnt_cycle = 0;  // type 1 only (offsets skipped)

  uint32_t max_num_ref_frames = 0;
  bool gaps_in_frame_num_value_allowed_flag = false;
  uint32_t pic_width_in_mbs = 0;         // pic_width_in_mbs_minus1 + 1
  uint32_t pic_height_in_map_units = 0;  // pic_height_in_map_units_minus1 + 1
  bool frame_mbs_only_flag = true;       // false: interlaced coding (fields or MBAFF) allowed
  bool mb_adaptive_frame_field_flag = false;
  bool direct_8x8_inference_flag = false;
  bool frame_cropping_flag = false;
  uint32_t frame_crop_left_offset = 0;  // in crop units (§7.4.2.1.1, CropUnitX / CropUnitY)
  uint32_t frame_crop_right_offset = 0;
  uint32_t frame_crop_top_offset = 0;
  uint32_t frame_crop_bottom_offset = 0;

  // Displayed frame size in luma samples, after cropping (equations 7-19..7-22).
  uint32_t width = 0;
  uint32_t height = 0;

  bool vui_parameters_present_flag = false;
  VuiBasics vui;
  bool timing_info_present_flag = false;
  uint32_t num_units_in_tick = 0;
  uint32_t time_scale = 0;
  bool fixed_frame_rate_flag = false;
  // Frame rate time_scale / (2 * num_units_in_tick) (E.2.1: one frame is two field ticks), reduced;
  // nullopt without timing info or with a zero term. An upper bound if !fixed_frame_rate_flag.
  std::optional<Rational> frame_rate;
  std::optional<H264Hrd> nal_hrd;
  std::optional<H264Hrd> vcl_hrd;
  bool low_delay_hrd_flag = false;
  bool pic_struct_present_flag = false;
  bool bitstream_restriction_flag = false;
  // From bitstream_restriction (E.1.1); nullopt when absent.
  std::optional<uint32_t> max_num_reorder_frames;
  std::optional<uint32_t> max_dec_frame_buffering;
};

struct H264Pps {
  uint32_t pic_parameter_set_id = 0;
  uint32_t seq_parameter_set_id = 0;
  bool entropy_coding_mode_flag = false;  // true: CABAC
  bool bottom_field_pic_order_in_frame_present_flag = false;
};

// Parses a whole SPS NAL unit: the 1-byte NAL header (type must be 7) followed by the escaped
// payload. kMalformed for truncation, out-of-range values or a crop larger than the picture.
Result<H264Sps> ParseH264Sps(std::span<const uint8_t> nal);

// Parses the first fields of a PPS NAL unit (type 8).
Result<H264Pps> ParseH264Pps(std::span<const uint8_t> nal);

// True for profile_idc values whose SPS carries chroma_format_idc and bit depths (§7.3.2.1.1).
bool H264ProfileHasChromaInfo(uint8_t profile_idc);

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), the payload of an "avcC" box.
struct AvcDecoderConfig {
  uint8_t configuration_version = 1;
  uint8_t profile_indication = 0;     // profile_idc
  uint8_t profile_compatibility = 0;  // the SPS constraint-flags byte
  uint8_t level_indication = 0;
  uint8_t length_size_minus_one = 3;      // NAL length fields in samples are this + 1 bytes
  std::vector<std::vector<uint8_t>> sps;  // whole NAL units, headers included
  std::vector<std::vector<uint8_t>> pps;
  // The extension for profile_idc 100, 110, 122 and 144; old writers omit it.
  bool has_high_profile_fields = false;
  uint8_t chroma_format = 1;
  uint8_t bit_depth_luma_minus8 = 0;
  uint8_t bit_depth_chroma_minus8 = 0;
  std::vector<std::vector<uint8_t>> sps_ext;
};

// Parses an avcC payload (without the 8-byte box header). kUnsupported if configurationVersion is
// not 1; kMalformed if the record is truncated, a count overruns it, a length_size_minus_one of 2
// is given, or a parameter set is empty. A truncated high-profile extension is ignored (as
// decoders do), leaving has_high_profile_fields false.
Result<AvcDecoderConfig> ParseAvcC(std::span<const uint8_t> avcc_payload);

// Builds an avcC payload with lengthSizeMinusOne = 3 from whole SPS and PPS NAL units, written in
// the order given. Profile, compatibility and level come from the primary SPS, sps[primary_sps]
// (the one the stream's pictures use); for profile_idc 100/110/122/144 the high-profile
// extension is appended from it. kInvalidArgument if there is no SPS, more than 31 SPS or 255
// PPS, primary_sps is out of range, or a unit is empty or over 65535 bytes; errors from
// ParseH264Sps otherwise.
Result<std::vector<uint8_t>> BuildAvcC(const std::vector<std::span<const uint8_t>>& sps,
                                       const std::vector<std::span<const uint8_t>>& pps,
                                       size_t primary_sps = 0);

// RFC 6381 §3.3 codec string "avc1.PPCCLL" (upper-case hex), e.g. "avc1.64002A".
std::string H264CodecString(uint8_t profile_idc, uint8_t constraint_flags, uint8_t level_idc);
std::string H264CodecString(const H264Sps& sps);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_H264_H_
