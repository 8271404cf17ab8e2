// Parsing the sample description box (stsd) of a track: its codec fourcc, picture size or audio
// format, and codec configuration (avcC/hvcC, or the AAC AudioSpecificConfig inside esds);
// internal to the mp4 module (the public entry point is mp4/demux.h).
//
// References: ISO/IEC 14496-12 §8.5.2 (stsd), §12.1.3 (VisualSampleEntry), §12.2.3
// (AudioSampleEntry); ISO/IEC 14496-14 §5.6 (esds); ISO/IEC 14496-1 §7.2.6 (ES_Descriptor and
// friends, with the expandable size encoding of §8.3.3); ISO/IEC 14496-3 §1.6.2.1
// (AudioSpecificConfig).
#ifndef NIGHTJAR_MP4_SAMPLE_ENTRY_H_
#define NIGHTJAR_MP4_SAMPLE_ENTRY_H_

#include <cstdint>

#include "base/error.h"
#include "mp4/box_reader.h"
#include "mp4/demux.h"

namespace nightjar::mp4 {

// Reads the first sample entry of the stsd payload `stsd` into `track` (format, and by
// `track->kind`: width/height and codec_config for video; sample_rate, channels and codec_config
// for audio). `track->kind` must already be set. kMalformed if the entry or a child box or
// descriptor we need does not fit; unknown child boxes are skipped.
Result<void> ParseSampleDescription(ByteSpan stsd, DemuxedTrack* track);

// What the elementary stream descriptor (esds payload, after the box header) tells a decoder.
struct EsDescriptorInfo {
  uint8_t object_type_indication = 0;  // 0x40: MPEG-4 audio (AAC); 0x66..0x68: MPEG-2 AAC
  ByteSpan decoder_specific_info;      // for AAC: the AudioSpecificConfig; may be empty
};
Result<EsDescriptorInfo> ParseEsds(ByteSpan esds);

// The fields of an AudioSpecificConfig that describe the decoded output.
struct AudioSpecificConfigInfo {
  uint8_t audio_object_type = 0;  // 2: AAC LC, 5: SBR (HE-AAC), 29: PS (HE-AAC v2)
  uint32_t sample_rate = 0;       // output rate (the SBR extension rate for HE-AAC)
  uint16_t channels = 0;          // 0 if the channel configuration is given elsewhere
};
Result<AudioSpecificConfigInfo> ParseAudioSpecificConfig(ByteSpan asc);

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_SAMPLE_ENTRY_H_
