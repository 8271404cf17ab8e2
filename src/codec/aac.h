// AAC configuration: AudioSpecificConfig and ADTS headers.
//
// Owns: parsing and building AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), the payload of the
// MP4 "esds" DecoderSpecificInfo and of the SDP "config=" parameter (RFC 3640 / RFC 6416);
// parsing and building the 7-byte ADTS header (ISO/IEC 14496-3 §1.A.2.2) used in MPEG-TS; and the
// RFC 6381 codec string "mp4a.40.<aot>".
//
// AudioSpecificConfig parsing covers the audio object type (with the escape value 31), the
// sampling frequency (index or explicit 24-bit value), the channel configuration, explicit SBR/PS
// signalling (object types 5 and 29), GASpecificConfig for the AAC object types, and backward-
// compatible SBR/PS signalling (the 0x2b7 / 0x548 sync extensions, §1.6.6). A program config
// element (channel_configuration 0) is not parsed: parsing stops there, leaving channel count 0.
//
// All functions are pure and thread-safe; malformed input yields kMalformed, never a crash.
#ifndef NIGHTJAR_CODEC_AAC_H_
#define NIGHTJAR_CODEC_AAC_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"

namespace nightjar::codec {

// Audio object types (ISO/IEC 14496-3 Table 1.17) used by name here.
inline constexpr uint32_t kAacMain = 1;
inline constexpr uint32_t kAacLc = 2;
inline constexpr uint32_t kAacSsr = 3;
inline constexpr uint32_t kAacLtp = 4;
inline constexpr uint32_t kAacSbr = 5;  // HE-AAC
inline constexpr uint32_t kAacPs = 29;  // HE-AAC v2

// sampling_frequency_index meaning "an explicit 24-bit frequency follows".
inline constexpr uint8_t kExplicitFrequencyIndex = 15;

// Sampling frequency for an index 0..12 (Table 1.18), or nullopt for 13..15.
std::optional<uint32_t> AacSamplingFrequency(uint8_t index);
// The index whose frequency is exactly `hz`, or nullopt.
std::optional<uint8_t> AacSamplingFrequencyIndex(uint32_t hz);
// Number of output channels for a channel_configuration (Table 1.19): 1..6 -> 1..6, 7 -> 8,
// 11 -> 7, 12 -> 8, 13 -> 24, 14 -> 8; 0 (defined by a PCE) and reserved values -> 0.
int AacChannelCount(uint8_t channel_configuration);

struct AudioSpecificConfig {
  // The first audioObjectType of the config: what RFC 6381 names (5 or 29 for explicit HE-AAC).
  uint32_t audio_object_type = kAacLc;
  // The core codec's object type: equal to audio_object_type unless that is 5 or 29, in which
  // case it is the type that follows the extension frequency (normally 2, AAC LC).
  uint32_t core_audio_object_type = kAacLc;
  uint8_t sampling_frequency_index = 0;  // 0..12, or 15 for explicit
  uint32_t sampling_frequency = 0;       // of the core codec, in Hz
  uint8_t channel_configuration = 0;
  // GASpecificConfig (§4.4.1) for AAC object types: true for 960-sample frames instead of 1024.
  bool frame_length_flag = false;
  // SBR / PS, signalled explicitly (object type 5 or 29) or by a sync extension.
  bool sbr_present = false;
  bool ps_present = false;
  uint32_t extension_sampling_frequency = 0;  // output rate with SBR, else 0

  // Output sampling rate: the SBR rate when SBR is present, else sampling_frequency.
  uint32_t output_sampling_frequency() const {
    return sbr_present && extension_sampling_frequency != 0 ? extension_sampling_frequency
                                                            : sampling_frequency;
  }
  // PCM samples per channel in one access unit of the core codec: 960 or 1024.
  uint32_t core_samples_per_frame() const { return frame_length_flag ? 960 : 1024; }
};

// Parses an AudioSpecificConfig. kMalformed if truncated, if the frequency index is 13 or 14
// (reserved), or the explicit frequency is zero.
Result<AudioSpecificConfig> ParseAudioSpecificConfig(std::span<const uint8_t> data);

// Builds a minimal AudioSpecificConfig: the object type (escaped if >= 31), the frequency (as an
// index if it has one, else explicit), the channel configuration, and for AAC Main/LC/SSR/LTP a
// GASpecificConfig with frameLengthFlag 0 and no core coder or extension. E.g. LC, 48000 Hz,
// stereo -> {0x11, 0x90}. kInvalidArgument if aot is 0, 31 (the escape value) or > 95, the
// frequency is 0 or >= 2^24, or channel_configuration > 15.
Result<std::vector<uint8_t>> BuildAudioSpecificConfig(uint32_t audio_object_type,
                                                      uint32_t sampling_frequency,
                                                      uint8_t channel_configuration);

// RFC 6381 §3.3 codec string for MPEG-4 audio: "mp4a.40." + audio_object_type.
std::string AacCodecString(const AudioSpecificConfig& config);

// The fixed and variable ADTS header (ISO/IEC 14496-3 §1.A.2.2.1 / .2).
struct AdtsHeader {
  bool mpeg2 = false;                  // ID bit: 1 = MPEG-2 AAC, 0 = MPEG-4
  bool protection_absent = true;       // false: a 16-bit CRC follows the 7 bytes
  uint8_t audio_object_type = kAacLc;  // profile_ObjectType + 1, so 1..4
  uint8_t sampling_frequency_index = 0;
  uint8_t channel_configuration = 0;  // 0..7
  uint16_t frame_length = 0;          // aac_frame_length: whole frame, header included
  uint16_t buffer_fullness = 0x7ff;   // 0x7ff: variable bit rate
  uint8_t num_raw_data_blocks = 1;    // number_of_raw_data_blocks_in_frame + 1

  size_t header_size() const { return protection_absent ? 7 : 9; }
  // The equivalent AudioSpecificConfig (for an MP4 sample entry or SDP config).
  AudioSpecificConfig ToAudioSpecificConfig() const;
};

// Parses the header at the start of `data` (at least 7 bytes). kMalformed without the 0xFFF
// syncword, with a nonzero layer, frequency index 13..15, or a frame_length shorter than the
// header.
Result<AdtsHeader> ParseAdtsHeader(std::span<const uint8_t> data);

// Builds a 7-byte MPEG-4 ADTS header (protection absent, one raw data block, VBR fullness) for a
// raw AAC frame of payload_size bytes. kInvalidArgument unless the config's object type is 1..4
// with a frequency index 0..12 and channel configuration 0..7, and the frame (payload + 7) fits
// in 13 bits.
Result<std::array<uint8_t, 7>> BuildAdtsHeader(const AudioSpecificConfig& config,
                                               size_t payload_size);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_AAC_H_
