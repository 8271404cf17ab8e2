#include "codec/rational.h"

#include <limits>
#include <numeric>

namespace nightjar::codec {

std::optional<Rational> MakeRational(uint64_t num, uint64_t den) {
  if (den == 0) return std::nullopt;
  uint64_t g = std::gcd(num, den);
  if (g != 0) {
    num /= g;
    den /= g;
  }
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  if (num > kMax || den > kMax) return std::nullopt;
  return Rational{static_cast<uint32_t>(num), static_cast<uint32_t>(den)};
}

}  // namespace nightjar::codec
