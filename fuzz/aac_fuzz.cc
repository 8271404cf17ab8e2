// libFuzzer target: AudioSpecificConfig and ADTS header parsing (codec/aac.h).
// Invariants beyond "no crash": a parsed AAC Main/LC/SSR/LTP config (the kind
// BuildAudioSpecificConfig writes) rebuilds into one with the same object type, rate and
// channels; a parsed ADTS header always rebuilds, byte-identically when it uses only the fields
// BuildAdtsHeader writes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "codec/aac.h"

namespace codec = nightjar::codec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  if (auto asc = codec::ParseAudioSpecificConfig(input)) {
    (void)codec::AacCodecString(*asc);
    auto built = codec::BuildAudioSpecificConfig(asc->audio_object_type, asc->sampling_frequency,
                                                 asc->channel_configuration);
    bool plain_aac =
        asc->audio_object_type >= codec::kAacMain && asc->audio_object_type <= codec::kAacLtp;
    if (plain_aac) {
      if (!built) __builtin_trap();
      auto again = codec::ParseAudioSpecificConfig(*built);
      if (!again || again->audio_object_type != asc->audio_object_type ||
          again->sampling_frequency != asc->sampling_frequency ||
          again->channel_configuration != asc->channel_configuration) {
        __builtin_trap();
      }
    }
  }
  if (auto adts = codec::ParseAdtsHeader(input)) {
    codec::AudioSpecificConfig asc = adts->ToAudioSpecificConfig();
    auto header = codec::BuildAdtsHeader(asc, adts->frame_length - 7u);
    bool canonical = !adts->mpeg2 && adts->protection_absent && adts->buffer_fullness == 0x7ff &&
                     adts->num_raw_data_blocks == 1 && (input[2] & 0x02) == 0 &&
                     (input[3] & 0x3c) == 0;
    if (!header) __builtin_trap();
    if (canonical && !std::equal(header->begin(), header->end(), input.begin())) __builtin_trap();
  }
  return 0;
}
