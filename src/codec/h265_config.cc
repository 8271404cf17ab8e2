// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1) and the Annex E.3 codec string.
#include <algorithm>
#include <cstdio>
#include <string>

#include "codec/bit_reader.h"
#include "codec/bit_writer.h"
#include "codec/h265.h"
#include "codec/nal.h"

namespace nightjar::codec {
namespace {

constexpr size_t kMaxU16 = 0xffff;

// The fixed 23-byte part of the record, up to and including numOfArrays.
Result<uint32_t> ParseHvcCHeader(BitReader& r, HevcDecoderConfig& c) {
  NJ_TRY(uint32_t version, r.ReadBits(8));
  if (version != 1) {
    return Err(ErrorCode::kUnsupported, "configurationVersion " + std::to_string(version));
  }
  NJ_TRY(uint32_t space, r.ReadBits(2));
  NJ_TRY(c.general.general_tier_flag, r.ReadFlag());
  NJ_TRY(uint32_t profile_idc, r.ReadBits(5));
  NJ_TRY(c.general.general_profile_compatibility_flags, r.ReadBits(32));
  NJ_TRY(c.general.general_constraint_indicator_flags, r.ReadBits64(48));
  NJ_TRY(uint32_t level, r.ReadBits(8));
  c.general.general_profile_space = static_cast<uint8_t>(space);
  c.general.general_profile_idc = static_cast<uint8_t>(profile_idc);
  c.general.general_level_idc = static_cast<uint8_t>(level);
  // Each of the next fields follows reserved all-ones bits, which are not checked.
  NJ_CHECK_OK(r.SkipBits(4));
  NJ_TRY(uint32_t min_spatial, r.ReadBits(12));
  NJ_CHECK_OK(r.SkipBits(6));
  NJ_TRY(uint32_t parallelism, r.ReadBits(2));
  NJ_CHECK_OK(r.SkipBits(6));
  NJ_TRY(uint32_t chroma, r.ReadBits(2));
  NJ_CHECK_OK(r.SkipBits(5));
  NJ_TRY(uint32_t luma_minus8, r.ReadBits(3));
  NJ_CHECK_OK(r.SkipBits(5));
  NJ_TRY(uint32_t chroma_minus8, r.ReadBits(3));
  NJ_TRY(uint32_t avg_frame_rate, r.ReadBits(16));
  NJ_TRY(uint32_t constant_frame_rate, r.ReadBits(2));
  NJ_TRY(uint32_t temporal_layers, r.ReadBits(3));
  NJ_TRY(c.temporal_id_nested, r.ReadFlag());
  NJ_TRY(uint32_t length_size_minus_one, r.ReadBits(2));
  if (length_size_minus_one == 2) {
    return Err(ErrorCode::kMalformed, "lengthSizeMinusOne 2 is not allowed");
  }
  c.min_spatial_segmentation_idc = static_cast<uint16_t>(min_spatial);
  c.parallelism_type = static_cast<uint8_t>(parallelism);
  c.chroma_format_idc = static_cast<uint8_t>(chroma);
  c.bit_depth_luma_minus8 = static_cast<uint8_t>(luma_minus8);
  c.bit_depth_chroma_minus8 = static_cast<uint8_t>(chroma_minus8);
  c.avg_frame_rate = static_cast<uint16_t>(avg_frame_rate);
  c.constant_frame_rate = static_cast<uint8_t>(constant_frame_rate);
  c.num_temporal_layers = static_cast<uint8_t>(temporal_layers);
  c.length_size_minus_one = static_cast<uint8_t>(length_size_minus_one);
  return r.ReadBits(8);  // numOfArrays
}

Result<HvcCArray> ParseHvcCArray(BitReader& r) {
  HvcCArray array;
  NJ_TRY(array.array_completeness, r.ReadFlag());
  NJ_CHECK_OK(r.SkipBits(1));  // reserved
  NJ_TRY(uint32_t type, r.ReadBits(6));
  array.nal_unit_type = static_cast<uint8_t>(type);
  NJ_TRY(uint32_t num_nalus, r.ReadBits(16));
  for (uint32_t i = 0; i < num_nalus; ++i) {
    NJ_TRY(uint32_t length, r.ReadBits(16));
    if (length == 0) return Err(ErrorCode::kMalformed, "empty NAL unit");
    NJ_TRY(std::span<const uint8_t> bytes, r.ReadBytes(length));
    array.nal_units.emplace_back(bytes.begin(), bytes.end());
  }
  return array;
}

Result<HevcDecoderConfig> ParseHvcCRecord(std::span<const uint8_t> payload) {
  BitReader r(payload);
  HevcDecoderConfig config;
  NJ_TRY(uint32_t num_arrays, ParseHvcCHeader(r, config));
  for (uint32_t i = 0; i < num_arrays; ++i) {
    NJ_TRY(HvcCArray array, ParseHvcCArray(r));
    config.arrays.push_back(std::move(array));
  }
  return config;
}

Result<void> CheckUnits(const std::vector<std::span<const uint8_t>>& units, uint8_t type,
                        const char* what) {
  if (units.empty() || units.size() > kMaxU16) {
    return Err(ErrorCode::kInvalidArgument, std::string("hvcC needs 1..65535 ") + what + ", got " +
                                                std::to_string(units.size()));
  }
  for (const auto& unit : units) {
    if (unit.size() < 2 || unit.size() > kMaxU16 || H265NalType(unit[0]) != type) {
      return Err(ErrorCode::kInvalidArgument,
                 std::string("not a usable ") + what + " NAL unit for hvcC");
    }
  }
  return Ok();
}

void WriteArray(BitWriter& w, uint8_t type, const std::vector<std::span<const uint8_t>>& units) {
  w.WriteFlag(true);  // array_completeness: hvc1 keeps every parameter set in the sample entry
  w.WriteFlag(false);
  w.WriteBits(type, 6);
  w.WriteBits(units.size(), 16);
  for (const auto& unit : units) {
    w.WriteBits(unit.size(), 16);
    for (uint8_t b : unit) w.WriteBits(b, 8);
  }
}

}  // namespace

std::vector<std::span<const uint8_t>> HevcDecoderConfig::NalUnitsOfType(
    uint8_t nal_unit_type) const {
  std::vector<std::span<const uint8_t>> units;
  for (const HvcCArray& array : arrays) {
    if (array.nal_unit_type != nal_unit_type) continue;
    for (const auto& unit : array.nal_units) units.emplace_back(unit);
  }
  return units;
}

Result<HevcDecoderConfig> ParseHvcC(std::span<const uint8_t> hvcc_payload) {
  auto config = ParseHvcCRecord(hvcc_payload);
  if (!config) return std::unexpected(config.error().Wrap("hvcC"));
  return config;
}

Result<std::vector<uint8_t>> BuildHvcC(const std::vector<std::span<const uint8_t>>& vps,
                                       const std::vector<std::span<const uint8_t>>& sps,
                                       const std::vector<std::span<const uint8_t>>& pps,
                                       size_t primary_vps, size_t primary_sps) {
  NJ_CHECK_OK(CheckUnits(vps, kH265NalVps, "VPS"));
  NJ_CHECK_OK(CheckUnits(sps, kH265NalSps, "SPS"));
  NJ_CHECK_OK(CheckUnits(pps, kH265NalPps, "PPS"));
  if (primary_vps >= vps.size() || primary_sps >= sps.size()) {
    return Err(ErrorCode::kInvalidArgument, "hvcC primary VPS/SPS index out of range");
  }
  NJ_TRY(H265Vps first_vps, ParseH265Vps(vps[primary_vps]));
  NJ_TRY(H265Sps first_sps, ParseH265Sps(sps[primary_sps]));
  const H265ProfileTierLevel& ptl = first_sps.profile_tier_level;
  BitWriter w;
  w.WriteBits(1, 8);  // configurationVersion
  w.WriteBits(ptl.general_profile_space, 2);
  w.WriteFlag(ptl.general_tier_flag);
  w.WriteBits(ptl.general_profile_idc, 5);
  w.WriteBits(ptl.general_profile_compatibility_flags, 32);
  w.WriteBits(ptl.general_constraint_indicator_flags, 48);
  w.WriteBits(ptl.general_level_idc, 8);
  w.WriteBits(0xf, 4);
  w.WriteBits(first_sps.min_spatial_segmentation_idc, 12);
  w.WriteBits(0x3f, 6);
  w.WriteBits(0, 2);  // parallelismType: unknown
  w.WriteBits(0x3f, 6);
  w.WriteBits(first_sps.chroma_format_idc, 2);
  w.WriteBits(0x1f, 5);
  w.WriteBits(first_sps.bit_depth_luma - 8, 3);
  w.WriteBits(0x1f, 5);
  w.WriteBits(first_sps.bit_depth_chroma - 8, 3);
  w.WriteBits(0, 16);  // avgFrameRate: unspecified
  w.WriteBits(0, 2);   // constantFrameRate: unknown
  w.WriteBits(std::max(first_vps.max_sub_layers, first_sps.max_sub_layers), 3);
  w.WriteFlag(first_sps.temporal_id_nesting_flag);
  w.WriteBits(3, 2);  // lengthSizeMinusOne
  w.WriteBits(3, 8);  // numOfArrays
  WriteArray(w, kH265NalVps, vps);
  WriteArray(w, kH265NalSps, sps);
  WriteArray(w, kH265NalPps, pps);
  return std::move(w).Take();
}

std::string H265CodecString(const H265ProfileTierLevel& ptl, std::string_view sample_entry) {
  static constexpr const char* kSpace[] = {"", "A", "B", "C"};
  // Annex E.3: the 32 compatibility flags in reverse bit order, so flag j becomes bit j.
  uint32_t reversed = 0;
  for (int j = 0; j < 32; ++j) {
    if (ptl.general_profile_compatibility_flags & (1u << (31 - j))) reversed |= 1u << j;
  }
  char buf[96];
  int n =
      std::snprintf(buf, sizeof(buf), "%.*s.%s%u.%X.%c%u",
                    static_cast<int>(std::min<size_t>(sample_entry.size(), 8)), sample_entry.data(),
                    kSpace[ptl.general_profile_space & 3], unsigned{ptl.general_profile_idc},
                    reversed, ptl.general_tier_flag ? 'H' : 'L', unsigned{ptl.general_level_idc});
  std::string out(buf, static_cast<size_t>(n));
  // Six constraint bytes, most significant first; trailing zero bytes are omitted.
  int last_nonzero = -1;
  for (int i = 0; i < 6; ++i) {
    if ((ptl.general_constraint_indicator_flags >> (40 - 8 * i)) & 0xff) last_nonzero = i;
  }
  for (int i = 0; i <= last_nonzero; ++i) {
    std::snprintf(
        buf, sizeof(buf), ".%X",
        static_cast<unsigned>((ptl.general_constraint_indicator_flags >> (40 - 8 * i)) & 0xff));
    out += buf;
  }
  return out;
}

}  // namespace nightjar::codec
