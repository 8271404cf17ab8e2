// libFuzzer target: SEI message parsing (codec/sei.h) of both codecs: recovery points and
// user_data_unregistered messages. Invariant checked beyond "no crash": a user_data_unregistered
// unit built from the input's tail is found again with the same payload.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "codec/sei.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nightjar::codec::VideoCodec;
  std::span<const uint8_t> input(data, size);
  nightjar::codec::SeiUuid uuid{};
  for (size_t i = 0; i < uuid.size() && i < size; ++i) uuid[i] = data[i];
  for (VideoCodec codec : {VideoCodec::kH264, VideoCodec::kH265}) {
    (void)nightjar::codec::FindRecoveryPoint(codec, input);
    (void)nightjar::codec::FindUserDataUnregistered(codec, input, uuid);
    const auto payload = input.subspan(size < uuid.size() ? size : uuid.size());
    const auto nal = nightjar::codec::BuildUserDataUnregisteredSei(codec, uuid, payload);
    auto found = nightjar::codec::FindUserDataUnregistered(codec, nal, uuid);
    if (!found || !found->has_value() ||
        !std::equal(payload.begin(), payload.end(), (*found)->begin(), (*found)->end())) {
      __builtin_trap();
    }
  }
  return 0;
}
