// A small unsigned rational number for frame rates and sample aspect ratios.
//
// The codec module reports frame rates (VUI timing) and sample aspect ratios (VUI aspect_ratio_idc)
// as exact fractions so callers can pick an MP4 timescale without rounding. Values are always
// reduced to lowest terms by MakeRational.
#ifndef NIGHTJAR_CODEC_RATIONAL_H_
#define NIGHTJAR_CODEC_RATIONAL_H_

#include <cstdint>
#include <optional>

namespace nightjar::codec {

struct Rational {
  uint32_t num = 0;
  uint32_t den = 1;

  double ToDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
  friend bool operator==(const Rational&, const Rational&) = default;
};

// Returns num/den reduced to lowest terms, or nullopt if den is zero or the reduced terms do not
// fit in 32 bits. Pure; never fails otherwise.
std::optional<Rational> MakeRational(uint64_t num, uint64_t den);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_RATIONAL_H_
