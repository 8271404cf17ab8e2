// Fragmented MP4 (ISO/IEC 14496-12 §8.8) for Media Source Extensions playback and live view: an
// init segment (ftyp + moov with empty sample tables and mvex/trex) and media fragments (moof
// with mfhd and per track traf/tfhd/tfdt/trun, then the mdat header). The fragment's sample bytes
// are not copied here: the caller sends them after the header, track after track in the order of
// the runs (for stored media, one range of a sample file per track run; for live view, the frames
// in memory). Fragments are per GOP for playback of recordings and per frame for live view.
//
// Pure functions of their inputs; thread-safe.
#ifndef NIGHTJAR_MP4_FMP4_H_
#define NIGHTJAR_MP4_FMP4_H_

#include <cstdint>
#include <vector>

#include "base/error.h"
#include "mp4/box_writer.h"

namespace nightjar::mp4 {

// Track ids are 1 + the index in the init segment's track list.
struct FragmentedTrack {
  SampleEntrySpec entry;
  uint32_t timescale = 90000;  // video 90 kHz; audio its sample rate
};

// ftyp + moov. kUnsupported for a codec with no sample entry (box_writer.h).
Result<std::vector<uint8_t>> WriteInitSegment(const std::vector<FragmentedTrack>& tracks);

struct FragmentSample {
  uint32_t duration = 0;  // in the track's timescale
  uint32_t bytes = 0;
  int32_t cto = 0;
  bool key = true;
};

struct TrackRun {
  uint32_t track_id = 1;
  uint64_t base_decode_time = 0;  // tfdt: the first sample's decode time, track timescale
  std::vector<FragmentSample> samples;
};

// moof for `runs` (empty runs are left out) followed by the mdat header, whose payload (the sum
// of all sample sizes) the caller sends next. `sequence` is mfhd's sequence_number (from 1).
std::vector<uint8_t> WriteFragmentHeader(uint32_t sequence, const std::vector<TrackRun>& runs);

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_FMP4_H_
