// libFuzzer target: NAL framing (codec/nal.h): Annex B splitting and conversion, length-prefixed
// splitting for every length size, and emulation-prevention removal; and what is read from each
// unit: key frames and recovery point SEIs (codec/sei.h), parameter-set and slice PPS ids, the
// parameter-set map and the avcC/hvcC built from it (codec/parameter_sets.h).
// Invariants beyond "no crash": Annex B -> length-prefixed -> split yields the same units; the
// converters leave the output untouched on error; escaping then unescaping is the identity; a
// recovery point SEI makes its unit a key frame; the map never holds more ids than the codec
// allows, and adding a unit twice changes nothing the second time.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/nal.h"
#include "codec/parameter_sets.h"
#include "codec/sei.h"

namespace {

namespace codec = nightjar::codec;

bool SameSpans(const std::vector<std::span<const uint8_t>>& a,
               const std::vector<std::span<const uint8_t>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size() || !std::equal(a[i].begin(), a[i].end(), b[i].begin())) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  auto nals = codec::SplitAnnexB(input);
  std::vector<uint8_t> avcc;
  if (!codec::AnnexBToLengthPrefixed(input, &avcc)) __builtin_trap();
  auto resplit = codec::SplitLengthPrefixed(avcc, 4);
  if (!resplit || !SameSpans(nals, *resplit)) __builtin_trap();
  for (auto c : {codec::VideoCodec::kH264, codec::VideoCodec::kH265}) {
    codec::ParameterSets sets(c);
    for (auto nal : nals) {
      const bool key = codec::IsKeyFrameNal(c, nal);
      auto rp = codec::FindRecoveryPoint(c, nal);
      if (rp && rp->has_value() && !key) __builtin_trap();
      (void)codec::ReadSlicePpsId(c, nal);
      (void)codec::ReadReferencedId(c, nal);
      if (auto added = sets.Add(nal); added && *added) {
        auto again = sets.Add(nal);
        if (!again || *again) __builtin_trap();
      }
    }
    for (auto kind :
         {codec::ParamSetKind::kVps, codec::ParamSetKind::kSps, codec::ParamSetKind::kPps}) {
      if (sets.sets(kind).size() > codec::MaxParamSetIds(c, kind)) __builtin_trap();
    }
    (void)codec::BuildDecoderConfig(sets);
    if (!nals.empty()) {
      if (auto pps = codec::ReadSlicePpsId(c, nals.back())) {
        (void)codec::BuildDecoderConfig(sets, *pps);
      }
    }
  }

  for (int length_size : {1, 2, 4}) {
    (void)codec::SplitLengthPrefixed(input, length_size);
    std::vector<uint8_t> out = {0xaa};
    if (!codec::LengthPrefixedToAnnexB(input, length_size, &out) && out.size() != 1) {
      __builtin_trap();
    }
  }

  std::vector<uint8_t> rbsp = codec::UnescapeRbsp(input);
  if (rbsp.size() > input.size()) __builtin_trap();
  std::vector<uint8_t> escaped;
  codec::EscapeRbsp(input, &escaped);
  if (codec::UnescapeRbsp(escaped) != std::vector<uint8_t>(input.begin(), input.end())) {
    __builtin_trap();
  }
  return 0;
}
