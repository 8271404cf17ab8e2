// Reading a whole, non-fragmented ISO BMFF (.mp4) file held in memory: its tracks, their codec
// configuration and the position and timing of every sample (ISO/IEC 14496-12, with the AAC
// elementary stream descriptor of ISO/IEC 14496-1 and 14496-14).
//
// Used by the RTSP camera simulator (fakecam) to serve test clips and by tests that feed the
// recorder. The demuxer is I/O-free: it parses a byte span the caller has already read (or mapped)
// and returns byte offsets into it; it never copies sample data.
//
// Hostile input is expected (this is fuzzed): every box, table and descriptor is bounds-checked,
// all arithmetic on file-supplied values is overflow-checked, and no allocation is sized by a count
// before that count has been checked against the bytes that back it. Memory use and time are
// O(file size): at most one 40-byte DemuxedSample per half byte of size table (stz2 with 4-bit
// sizes), and one per byte of file for a fixed sample size.
#ifndef NIGHTJAR_MP4_DEMUX_H_
#define NIGHTJAR_MP4_DEMUX_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"

namespace nightjar::mp4 {

// One sample (access unit), in decode order.
struct DemuxedSample {
  int64_t dts;  // decode time in the track's timescale, from stts (the first sample is 0)
  // dts + the composition offset from ctts; equals dts without ctts. Offsets are signed 32-bit in
  // both ctts versions, as FFmpeg reads them (muxers write negative offsets in version 0 too).
  // Edit lists are not applied: subtract the first non-empty edit's media_time to get the times
  // ffprobe shows.
  int64_t pts;
  uint32_t duration;  // from stts
  bool key;           // sync sample per stss (all samples when there is no stss); audio: always
  uint64_t offset;    // absolute byte offset of the sample data in the file
  uint32_t size;      // bytes; [offset, offset + size) is always inside the file
};

// One entry of an edit list (ISO/IEC 14496-12 §8.6.6).
struct EditEntry {
  int64_t segment_duration;     // in the movie timescale (mvhd)
  int64_t media_time;           // in the track's timescale (mdhd); -1 is an empty edit
  int16_t media_rate_integer;   // 1 for normal playback
  int16_t media_rate_fraction;  // 0 in practice
};

struct DemuxedTrack {
  enum class Kind { kVideo, kAudio, kOther };

  Kind kind = Kind::kOther;  // from hdlr: 'vide' -> kVideo, 'soun' -> kAudio
  uint32_t track_id = 0;     // tkhd
  // Four-character code of the first sample entry in stsd: "avc1", "avc3", "hvc1", "hev1",
  // "mp4a", "ulaw", "alaw", ... Later sample entries (rare; a mid-stream codec change) are ignored.
  std::string format;
  uint32_t timescale = 0;  // mdhd, ticks per second (never 0)
  int64_t duration = 0;    // mdhd, in timescale units; -1 if the file says "unknown"
  uint16_t width = 0;      // visual sample entry (video only)
  uint16_t height = 0;
  // Audio only: from the AudioSpecificConfig when there is one (it is authoritative, and a 16.16
  // field cannot carry rates above 65535 Hz), otherwise the integer part of the sample entry's
  // 16.16 samplerate.
  uint32_t sample_rate = 0;
  uint16_t channels = 0;  // audio only: sample entry channelcount (or the ASC channel config)
  // Video: payload of the avcC/hvcC box (without the box header). mp4a: the AudioSpecificConfig
  // from esds' DecoderSpecificInfo. Empty when the sample entry has neither.
  std::vector<uint8_t> codec_config;
  std::vector<DemuxedSample> samples;  // decode order
  std::vector<EditEntry> edits;        // elst entries, empty without an edit list
};

struct DemuxedFile {
  uint32_t movie_timescale = 0;      // mvhd (never 0)
  std::vector<DemuxedTrack> tracks;  // in file order
};

// Parses `file`, a complete .mp4 (moov before or after mdat). Only reads `file` during the call;
// the result holds no pointers into it (offsets only). Thread-safe: no shared state.
//
// Errors:
//  - kMalformed: no moov box ("not an MP4"), a box or field that does not fit its parent, missing
//    mandatory boxes (mvhd, tkhd, mdhd, hdlr, stsd and the sample tables), duplicated boxes,
//    tables whose counts disagree (stts/ctts/stsz/stsc/stco), sync samples out of range, any
//    sample whose bytes are not entirely inside `file`, timestamps overflowing int64.
//  - kUnsupported: a fragmented MP4 (mvex or moof present) whose moov describes no samples.
Result<DemuxedFile> DemuxMp4(std::span<const uint8_t> file);

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_DEMUX_H_
