// libFuzzer target: H.264 SPS/PPS parsing and the avcC record (codec/h264.h).
// Invariants checked beyond "no crash": a parsed SPS has a non-empty picture, and an avcC that
// parses can be rebuilt from its own parameter sets (when they parse) and re-read identically.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/h264.h"

namespace {

void CheckAvcCRoundTrip(const nightjar::codec::AvcDecoderConfig& config) {
  if (config.sps.empty()) return;
  std::vector<std::span<const uint8_t>> sps(config.sps.begin(), config.sps.end());
  std::vector<std::span<const uint8_t>> pps(config.pps.begin(), config.pps.end());
  auto rebuilt = nightjar::codec::BuildAvcC(sps, pps);
  if (!rebuilt) return;  // e.g. an SPS that does not parse
  auto reparsed = nightjar::codec::ParseAvcC(*rebuilt);
  if (!reparsed || reparsed->sps != config.sps || reparsed->pps != config.pps) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  if (auto sps = nightjar::codec::ParseH264Sps(input)) {
    if (sps->width == 0 || sps->height == 0) __builtin_trap();
    (void)nightjar::codec::H264CodecString(*sps);
  }
  (void)nightjar::codec::ParseH264Pps(input);
  if (auto config = nightjar::codec::ParseAvcC(input)) CheckAvcCRoundTrip(*config);
  return 0;
}
