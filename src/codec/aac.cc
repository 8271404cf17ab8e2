#include "codec/aac.h"

#include <string>

#include "codec/bit_reader.h"
#include "codec/bit_writer.h"

namespace nightjar::codec {
namespace {

constexpr uint32_t kSamplingFrequencies[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                               22050, 16000, 12000, 11025, 8000,  7350};
constexpr uint32_t kErBsac = 22;
constexpr uint32_t kSyncExtensionSbr = 0x2b7;  // §1.6.6.2, backward-compatible SBR signalling
constexpr uint32_t kSyncExtensionPs = 0x548;

// GetAudioObjectType() (§1.6.2.1): 5 bits, with 31 escaping to 32 + 6 more bits.
Result<uint32_t> ReadAudioObjectType(BitReader& r) {
  NJ_TRY(uint32_t aot, r.ReadBits(5));
  if (aot == 31) {
    NJ_TRY(uint32_t ext, r.ReadBits(6));
    aot = 32 + ext;
  }
  return aot;
}

// samplingFrequencyIndex, and samplingFrequency when the index is 15.
Result<void> ReadFrequency(BitReader& r, uint8_t* index, uint32_t* hz) {
  NJ_TRY(uint32_t i, r.ReadBits(4));
  *index = static_cast<uint8_t>(i);
  if (i == kExplicitFrequencyIndex) {
    NJ_TRY(*hz, r.ReadBits(24));
    if (*hz == 0) return Err(ErrorCode::kMalformed, "explicit sampling frequency 0");
    return Ok();
  }
  auto table = AacSamplingFrequency(*index);
  if (!table) {
    return Err(ErrorCode::kMalformed, "reserved sampling frequency index " + std::to_string(i));
  }
  *hz = *table;
  return Ok();
}

// Object types whose specific config is GASpecificConfig (§1.6.2.1 syntax table).
bool IsGeneralAudioType(uint32_t aot) {
  return (aot >= 1 && aot <= 4) || aot == 6 || aot == 7 || aot == 17 || (aot >= 19 && aot <= 23);
}

bool IsErrorResilientType(uint32_t aot) {
  return (aot >= 17 && aot <= 27 && aot != 18) || aot == 39;
}

// GASpecificConfig() (§4.4.1). Returns false when a program_config_element follows, which is not
// parsed, so nothing after it can be read.
Result<bool> ParseGaSpecificConfig(BitReader& r, AudioSpecificConfig& c) {
  uint32_t aot = c.core_audio_object_type;
  NJ_TRY(c.frame_length_flag, r.ReadFlag());
  NJ_TRY(bool depends_on_core_coder, r.ReadFlag());
  if (depends_on_core_coder) NJ_CHECK_OK(r.SkipBits(14));  // coreCoderDelay
  NJ_TRY(bool extension_flag, r.ReadFlag());
  if (c.channel_configuration == 0) return false;
  if (aot == 6 || aot == 20) NJ_CHECK_OK(r.SkipBits(3));  // layerNr
  if (extension_flag) {
    if (aot == kErBsac) NJ_CHECK_OK(r.SkipBits(5 + 11));  // numOfSubFrame, layer_length
    if (aot == 17 || aot == 19 || aot == 20 || aot == 23) {
      NJ_CHECK_OK(r.SkipBits(3));  // the three aac*ResilienceFlag bits
    }
    NJ_CHECK_OK(r.SkipBits(1));  // extensionFlag3
  }
  return true;
}

// The backward-compatible extension after the core config (§1.6.2.1, last part). It is optional,
// so the caller ignores any error.
Result<void> ParseSyncExtension(BitReader& r, AudioSpecificConfig& c) {
  NJ_TRY(uint32_t sync, r.ReadBits(11));
  if (sync != kSyncExtensionSbr) return Ok();
  NJ_TRY(uint32_t ext_aot, ReadAudioObjectType(r));
  if (ext_aot != kAacSbr && ext_aot != kErBsac) return Ok();
  NJ_TRY(bool sbr_present, r.ReadFlag());
  if (sbr_present) {
    uint8_t index = 0;
    NJ_CHECK_OK(ReadFrequency(r, &index, &c.extension_sampling_frequency));
  }
  c.sbr_present = sbr_present;
  if (ext_aot == kAacSbr && sbr_present && r.bits_left() >= 12) {
    NJ_TRY(uint32_t ps_sync, r.ReadBits(11));
    if (ps_sync == kSyncExtensionPs) {
      NJ_TRY(c.ps_present, r.ReadFlag());
    }
  }
  return Ok();
}

Result<AudioSpecificConfig> ParseAsc(BitReader& r) {
  AudioSpecificConfig c;
  NJ_TRY(c.audio_object_type, ReadAudioObjectType(r));
  if (c.audio_object_type == 0) return Err(ErrorCode::kMalformed, "audio object type 0");
  NJ_CHECK_OK(ReadFrequency(r, &c.sampling_frequency_index, &c.sampling_frequency));
  NJ_TRY(uint32_t channels, r.ReadBits(4));
  c.channel_configuration = static_cast<uint8_t>(channels);
  c.core_audio_object_type = c.audio_object_type;
  bool explicit_sbr = c.audio_object_type == kAacSbr || c.audio_object_type == kAacPs;
  if (explicit_sbr) {
    c.sbr_present = true;
    c.ps_present = c.audio_object_type == kAacPs;
    uint8_t index = 0;
    NJ_CHECK_OK(ReadFrequency(r, &index, &c.extension_sampling_frequency));
    NJ_TRY(c.core_audio_object_type, ReadAudioObjectType(r));
    if (c.core_audio_object_type == kErBsac) NJ_CHECK_OK(r.SkipBits(4));
  }
  if (!IsGeneralAudioType(c.core_audio_object_type)) return c;  // other configs not parsed
  NJ_TRY(bool more, ParseGaSpecificConfig(r, c));
  if (!more) return c;
  if (IsErrorResilientType(c.core_audio_object_type)) {
    NJ_TRY(uint32_t ep_config, r.ReadBits(2));
    if (ep_config == 2 || ep_config == 3) return c;  // ErrorProtectionSpecificConfig follows
  }
  if (!explicit_sbr && r.bits_left() >= 16) {
    AudioSpecificConfig with_ext = c;
    if (ParseSyncExtension(r, with_ext)) c = with_ext;
  }
  return c;
}

}  // namespace

std::optional<uint32_t> AacSamplingFrequency(uint8_t index) {
  if (index >= std::size(kSamplingFrequencies)) return std::nullopt;
  return kSamplingFrequencies[index];
}

std::optional<uint8_t> AacSamplingFrequencyIndex(uint32_t hz) {
  for (size_t i = 0; i < std::size(kSamplingFrequencies); ++i) {
    if (kSamplingFrequencies[i] == hz) return static_cast<uint8_t>(i);
  }
  return std::nullopt;
}

int AacChannelCount(uint8_t channel_configuration) {
  switch (channel_configuration) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return channel_configuration;
    case 7:
    case 12:
    case 14:
      return 8;
    case 11:
      return 7;
    case 13:
      return 24;
    default:
      return 0;
  }
}

Result<AudioSpecificConfig> ParseAudioSpecificConfig(std::span<const uint8_t> data) {
  BitReader r(data);
  auto config = ParseAsc(r);
  if (!config) return std::unexpected(config.error().Wrap("AudioSpecificConfig"));
  return config;
}

Result<std::vector<uint8_t>> BuildAudioSpecificConfig(uint32_t audio_object_type,
                                                      uint32_t sampling_frequency,
                                                      uint8_t channel_configuration) {
  if (audio_object_type == 0 || audio_object_type == 31 || audio_object_type > 95 ||
      sampling_frequency == 0 || sampling_frequency >= (1u << 24) || channel_configuration > 15) {
    return Err(ErrorCode::kInvalidArgument, "AudioSpecificConfig fields out of range");
  }
  BitWriter w;
  if (audio_object_type < 31) {
    w.WriteBits(audio_object_type, 5);
  } else {
    w.WriteBits(31, 5);
    w.WriteBits(audio_object_type - 32, 6);
  }
  if (auto index = AacSamplingFrequencyIndex(sampling_frequency)) {
    w.WriteBits(*index, 4);
  } else {
    w.WriteBits(kExplicitFrequencyIndex, 4);
    w.WriteBits(sampling_frequency, 24);
  }
  w.WriteBits(channel_configuration, 4);
  if (audio_object_type >= kAacMain && audio_object_type <= kAacLtp) {
    // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder, extensionFlag all 0.
    w.WriteBits(0, 3);
  }
  w.AlignWithZeros();
  return std::move(w).Take();
}

std::string AacCodecString(const AudioSpecificConfig& config) {
  return "mp4a.40." + std::to_string(config.audio_object_type);
}

AudioSpecificConfig AdtsHeader::ToAudioSpecificConfig() const {
  AudioSpecificConfig c;
  c.audio_object_type = audio_object_type;
  c.core_audio_object_type = audio_object_type;
  c.sampling_frequency_index = sampling_frequency_index;
  c.sampling_frequency = AacSamplingFrequency(sampling_frequency_index).value_or(0);
  c.channel_configuration = channel_configuration;
  return c;
}

Result<AdtsHeader> ParseAdtsHeader(std::span<const uint8_t> d) {
  if (d.size() < 7) return Err(ErrorCode::kMalformed, "ADTS header truncated");
  if (d[0] != 0xff || (d[1] & 0xf0) != 0xf0) {
    return Err(ErrorCode::kMalformed, "ADTS syncword missing");
  }
  if ((d[1] & 0x06) != 0) return Err(ErrorCode::kMalformed, "ADTS layer is not 0");
  AdtsHeader h;
  h.mpeg2 = (d[1] & 0x08) != 0;
  h.protection_absent = (d[1] & 0x01) != 0;
  h.audio_object_type = static_cast<uint8_t>((d[2] >> 6) + 1);
  h.sampling_frequency_index = static_cast<uint8_t>((d[2] >> 2) & 0x0f);
  if (!AacSamplingFrequency(h.sampling_frequency_index)) {
    return Err(ErrorCode::kMalformed,
               "ADTS sampling frequency index " + std::to_string(h.sampling_frequency_index));
  }
  h.channel_configuration = static_cast<uint8_t>(((d[2] & 0x01) << 2) | (d[3] >> 6));
  h.frame_length = static_cast<uint16_t>(((d[3] & 0x03) << 11) | (d[4] << 3) | (d[5] >> 5));
  h.buffer_fullness = static_cast<uint16_t>(((d[5] & 0x1f) << 6) | (d[6] >> 2));
  h.num_raw_data_blocks = static_cast<uint8_t>((d[6] & 0x03) + 1);
  if (h.frame_length < h.header_size()) {
    return Err(ErrorCode::kMalformed,
               "ADTS frame_length " + std::to_string(h.frame_length) + " < header size");
  }
  return h;
}

Result<std::array<uint8_t, 7>> BuildAdtsHeader(const AudioSpecificConfig& config,
                                               size_t payload_size) {
  uint32_t aot = config.core_audio_object_type;
  if (aot < kAacMain || aot > kAacLtp || config.sampling_frequency_index > 12 ||
      config.channel_configuration > 7) {
    return Err(ErrorCode::kInvalidArgument, "config cannot be expressed in an ADTS header");
  }
  if (payload_size > 0x1fff - 7) {
    return Err(ErrorCode::kInvalidArgument,
               "AAC frame of " + std::to_string(payload_size) + " bytes is too long for ADTS");
  }
  uint32_t len = static_cast<uint32_t>(payload_size + 7);
  uint32_t ch = config.channel_configuration;
  constexpr uint32_t kFullness = 0x7ff;
  return std::array<uint8_t, 7>{
      0xff,
      0xf1,  // syncword end, ID 0 (MPEG-4), layer 0, protection_absent 1
      static_cast<uint8_t>(((aot - 1) << 6) | (config.sampling_frequency_index << 2) | (ch >> 2)),
      static_cast<uint8_t>(((ch & 3) << 6) | (len >> 11)),
      static_cast<uint8_t>(len >> 3),
      static_cast<uint8_t>(((len & 7) << 5) | (kFullness >> 6)),
      static_cast<uint8_t>((kFullness & 0x3f) << 2),  // number_of_raw_data_blocks_in_frame 0
  };
}

}  // namespace nightjar::codec
