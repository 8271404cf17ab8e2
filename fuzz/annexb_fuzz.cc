// libFuzzer target: NAL framing (codec/nal.h): Annex B splitting and conversion, length-prefixed
// splitting for every length size, and emulation-prevention removal.
// Invariants beyond "no crash": Annex B -> length-prefixed -> split yields the same units; the
// converters leave the output untouched on error; escaping then unescaping is the identity.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/nal.h"

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
  for (auto nal : nals) {
    (void)codec::IsKeyFrameNal(codec::VideoCodec::kH264, nal);
    (void)codec::IsKeyFrameNal(codec::VideoCodec::kH265, nal);
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
