// libFuzzer target: H.265 VPS/SPS parsing and the hvcC record (codec/h265.h).
// Invariants beyond "no crash": a parsed SPS has a non-empty cropped picture no larger than the
// coded one, and an hvcC's own VPS/SPS/PPS rebuild into a record that parses to the same units.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/h265.h"
#include "codec/nal.h"

namespace {

using nightjar::codec::HevcDecoderConfig;

void CheckHvcCRoundTrip(const HevcDecoderConfig& config) {
  auto vps = config.NalUnitsOfType(nightjar::codec::kH265NalVps);
  auto sps = config.NalUnitsOfType(nightjar::codec::kH265NalSps);
  auto pps = config.NalUnitsOfType(nightjar::codec::kH265NalPps);
  auto rebuilt = nightjar::codec::BuildHvcC(vps, sps, pps);
  if (!rebuilt) return;  // missing or unparseable parameter sets
  auto reparsed = nightjar::codec::ParseHvcC(*rebuilt);
  if (!reparsed || reparsed->NalUnitsOfType(nightjar::codec::kH265NalSps).size() != sps.size()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  (void)nightjar::codec::ParseH265Vps(input);
  if (auto sps = nightjar::codec::ParseH265Sps(input)) {
    if (sps->width == 0 || sps->height == 0 || sps->width > sps->pic_width_in_luma_samples ||
        sps->height > sps->pic_height_in_luma_samples) {
      __builtin_trap();
    }
    (void)nightjar::codec::H265CodecString(sps->profile_tier_level);
  }
  if (auto config = nightjar::codec::ParseHvcC(input)) CheckHvcCRoundTrip(*config);
  return 0;
}
