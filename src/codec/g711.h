// G.711 audio (ITU-T G.711): the constants a recorder and muxer need, no transcoding.
//
// G.711 has no configuration record: it is always 8-bit companded samples, one byte per sample.
// Cameras send it over RTP with the static payload types of RFC 3551 §6 (PCMU 0, PCMA 8) at
// 8000 Hz mono; ISO/IEC 14496-12 style sample entries name it "ulaw" / "alaw".
#ifndef NIGHTJAR_CODEC_G711_H_
#define NIGHTJAR_CODEC_G711_H_

#include <cstdint>
#include <string_view>

namespace nightjar::codec {

enum class G711Law { kMuLaw, kALaw };

struct G711Info {
  G711Law law;
  std::string_view rtp_encoding_name;  // SDP a=rtpmap encoding name (RFC 3551 Table 4)
  uint8_t rtp_static_payload_type;
  std::string_view sample_entry;  // MP4/QuickTime sample entry four-character code
  uint32_t sampling_frequency;    // Hz
  uint8_t channels;
  uint8_t bytes_per_sample;
};

inline constexpr uint32_t kG711SamplingFrequency = 8000;

inline constexpr G711Info kG711MuLaw{G711Law::kMuLaw,        "PCMU", 0, "ulaw",
                                     kG711SamplingFrequency, 1,      1};
inline constexpr G711Info kG711ALaw{G711Law::kALaw,         "PCMA", 8, "alaw",
                                    kG711SamplingFrequency, 1,      1};

constexpr const G711Info& G711InfoFor(G711Law law) {
  return law == G711Law::kMuLaw ? kG711MuLaw : kG711ALaw;
}

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_G711_H_
