// libFuzzer target for the .mp4 demuxer (mp4/demux.h): any input must yield a result or an Error,
// never a crash, undefined behaviour or an oversized allocation. On success, the demuxer's
// promises are checked too: every sample lies inside the input and timestamps are consistent.
#include <cstddef>
#include <cstdint>
#include <span>

#include "mp4/demux.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nightjar::Result<nightjar::mp4::DemuxedFile> file = nightjar::mp4::DemuxMp4({data, size});
  if (!file) return 0;
  if (file->movie_timescale == 0) __builtin_trap();
  for (const nightjar::mp4::DemuxedTrack& track : file->tracks) {
    if (track.timescale == 0) __builtin_trap();
    int64_t next_dts = 0;
    for (const nightjar::mp4::DemuxedSample& sample : track.samples) {
      if (sample.offset > size || sample.size > size - sample.offset) __builtin_trap();
      if (sample.dts != next_dts) __builtin_trap();
      next_dts += sample.duration;
    }
  }
  return 0;
}
