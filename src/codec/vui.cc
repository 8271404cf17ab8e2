#include "codec/vui.h"

#include <array>
#include <utility>

namespace nightjar::codec {

std::optional<Rational> PredefinedSampleAspectRatio(uint8_t idc) {
  // Table E-1, indices 1..16.
  static constexpr std::array<std::pair<uint32_t, uint32_t>, 17> kSar = {{{0, 0},
                                                                          {1, 1},
                                                                          {12, 11},
                                                                          {10, 11},
                                                                          {16, 11},
                                                                          {40, 33},
                                                                          {24, 11},
                                                                          {20, 11},
                                                                          {32, 11},
                                                                          {80, 33},
                                                                          {18, 11},
                                                                          {15, 11},
                                                                          {64, 33},
                                                                          {160, 99},
                                                                          {4, 3},
                                                                          {3, 2},
                                                                          {2, 1}}};
  if (idc == 0 || idc >= kSar.size()) return std::nullopt;
  return Rational{kSar[idc].first, kSar[idc].second};
}

Result<VuiBasics> ParseVuiBasics(BitReader& r) {
  VuiBasics v;
  NJ_TRY(v.aspect_ratio_info_present_flag, r.ReadFlag());
  if (v.aspect_ratio_info_present_flag) {
    NJ_TRY(uint32_t idc, r.ReadBits(8));
    v.aspect_ratio_idc = static_cast<uint8_t>(idc);
    if (v.aspect_ratio_idc == kExtendedSar) {
      NJ_TRY(uint32_t sar_width, r.ReadBits(16));
      NJ_TRY(uint32_t sar_height, r.ReadBits(16));
      v.sample_aspect_ratio = MakeRational(sar_width, sar_height);
      if (sar_width == 0) v.sample_aspect_ratio.reset();
    } else {
      v.sample_aspect_ratio = PredefinedSampleAspectRatio(v.aspect_ratio_idc);
    }
  }
  NJ_TRY(v.overscan_info_present_flag, r.ReadFlag());
  if (v.overscan_info_present_flag) {
    NJ_TRY(v.overscan_appropriate_flag, r.ReadFlag());
  }
  NJ_TRY(v.video_signal_type_present_flag, r.ReadFlag());
  if (v.video_signal_type_present_flag) {
    NJ_TRY(uint32_t format, r.ReadBits(3));
    v.video_format = static_cast<uint8_t>(format);
    NJ_TRY(v.video_full_range_flag, r.ReadFlag());
    NJ_TRY(v.colour_description_present_flag, r.ReadFlag());
    if (v.colour_description_present_flag) {
      NJ_TRY(uint32_t primaries, r.ReadBits(8));
      NJ_TRY(uint32_t transfer, r.ReadBits(8));
      NJ_TRY(uint32_t matrix, r.ReadBits(8));
      v.colour_primaries = static_cast<uint8_t>(primaries);
      v.transfer_characteristics = static_cast<uint8_t>(transfer);
      v.matrix_coefficients = static_cast<uint8_t>(matrix);
    }
  }
  NJ_TRY(v.chroma_loc_info_present_flag, r.ReadFlag());
  if (v.chroma_loc_info_present_flag) {
    // Both values are in 0..5 (E.2.1 semantics).
    NJ_TRY(v.chroma_sample_loc_type_top_field, r.ReadUeMax(5, "chroma_sample_loc_type_top_field"));
    NJ_TRY(v.chroma_sample_loc_type_bottom_field,
           r.ReadUeMax(5, "chroma_sample_loc_type_bottom_field"));
  }
  return v;
}

}  // namespace nightjar::codec
