// The part of the video usability information (VUI) that H.264 (Annex E.1.1) and H.265
// (Annex E.2.1) share: aspect ratio, overscan, video signal type and chroma location, which have
// identical syntax in both. The codec-specific remainder (timing, HRD, bitstream restriction) is
// parsed in h264.cc and h265.cc.
//
// Pure functions; the BitReader is advanced past what was read. On error the reader's position is
// unspecified and the caller abandons the parameter set.
#ifndef NIGHTJAR_CODEC_VUI_H_
#define NIGHTJAR_CODEC_VUI_H_

#include <cstdint>
#include <optional>

#include "base/error.h"
#include "codec/bit_reader.h"
#include "codec/rational.h"

namespace nightjar::codec {

// aspect_ratio_idc value that signals an explicit sar_width:sar_height (Table E-1).
inline constexpr uint8_t kExtendedSar = 255;

struct VuiBasics {
  bool aspect_ratio_info_present_flag = false;
  uint8_t aspect_ratio_idc = 0;  // 0 = unspecified
  // Sample aspect ratio from Table E-1 or Extended_SAR; nullopt if unspecified, reserved, or an
  // explicit ratio with a zero term.
  std::optional<Rational> sample_aspect_ratio;

  bool overscan_info_present_flag = false;
  bool overscan_appropriate_flag = false;

  bool video_signal_type_present_flag = false;
  uint8_t video_format = 5;  // 5 = unspecified
  bool video_full_range_flag = false;
  bool colour_description_present_flag = false;
  uint8_t colour_primaries = 2;  // 2 = unspecified
  uint8_t transfer_characteristics = 2;
  uint8_t matrix_coefficients = 2;

  bool chroma_loc_info_present_flag = false;
  uint32_t chroma_sample_loc_type_top_field = 0;
  uint32_t chroma_sample_loc_type_bottom_field = 0;
};

// Sample aspect ratio for aspect_ratio_idc 1..16 (Table E-1), else nullopt.
std::optional<Rational> PredefinedSampleAspectRatio(uint8_t aspect_ratio_idc);

// Reads vui_parameters() from its first bit through chroma_loc_info.
Result<VuiBasics> ParseVuiBasics(BitReader& r);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_VUI_H_
