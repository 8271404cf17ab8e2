#include "fakecam/stamp.h"

namespace nightjar::fakecam {

std::vector<uint8_t> StampSei(codec::VideoCodec codec, int64_t unix_micros) {
  uint8_t be[8];
  for (int i = 0; i < 8; ++i)
    be[i] = static_cast<uint8_t>(static_cast<uint64_t>(unix_micros) >> (56 - 8 * i));
  return codec::BuildUserDataUnregisteredSei(codec, kStampUuid, be);
}

std::optional<int64_t> ReadStamp(codec::VideoCodec codec, std::span<const uint8_t> nal) {
  auto payload = codec::FindUserDataUnregistered(codec, nal, kStampUuid);
  if (!payload || !payload->has_value() || (*payload)->size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (uint8_t b : **payload) v = (v << 8) | b;
  return static_cast<int64_t>(v);
}

}  // namespace nightjar::fakecam
