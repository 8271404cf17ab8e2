// A media plan as fragmented MP4 (mp4/fmp4.h): an init segment and one moof + mdat per GOP, what
// the server sends as HLS VOD segments with EXT-X-MAP (RFC 8216 §3.3) and what Media Source
// Extensions players append.
//
// The frames come from a FrameCursor over the plan; one GOP (its video frames and the audio
// samples interleaved with them) is held in memory at a time. Decode times: video tfdt =
// time_base_90k + the frame's decode time from the plan's first frame; audio (in its sample rate)
// = (time_base_90k + plan.audio_offset_90k) converted to the sample rate + the sample's decode
// time. Consecutive VOD segments given the wall time at which each starts as time_base_90k join up.
//
// One init segment describes one video sample entry and at most one audio one, so a plan must
// not change them (a VOD segment never does: it lies in one recording). AAC audio is carried;
// audio without an MP4 sample entry (G.711) is left out, as browsers cannot play it anyway.
//
// Thread safety: an Fmp4Export is used by one thread at a time (it may move between threads).
#ifndef NIGHTJAR_STORAGE_FMP4_EXPORT_H_
#define NIGHTJAR_STORAGE_FMP4_EXPORT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "mp4/fmp4.h"
#include "storage/media_source.h"

namespace nightjar::storage {

class Fmp4Export {
 public:
  // Takes the plan (and its lease). kUnsupported when the plan has more than one video or audio
  // sample entry, or a video codec fMP4 cannot carry; kMalformed for AAC without a sample rate.
  static Result<std::unique_ptr<Fmp4Export>> Create(MediaPlan plan, int64_t time_base_90k);
  Fmp4Export(const Fmp4Export&) = delete;
  Fmp4Export& operator=(const Fmp4Export&) = delete;

  // ftyp + moov for the plan's tracks.
  const std::vector<uint8_t>& init() const { return init_; }
  // The RFC 6381 codecs of the tracks, for a MIME type: "avc1.640028,mp4a.40.2".
  const std::string& codecs() const { return codecs_; }
  const MediaPlan& plan() const { return plan_; }

  // Appends whole fragments (moof + mdat, one per GOP) to *out until out->size() >= want (at
  // least one fragment per call) or the plan ends; appending nothing means the fragments are
  // complete. Errors (sample-file reads) end the export; later calls return the same error.
  Result<void> Next(std::vector<uint8_t>* out, size_t want);

 private:
  Fmp4Export(MediaPlan plan, std::vector<uint8_t> init, std::string codecs, bool audio,
             uint32_t audio_rate, int64_t time_base_90k);
  Result<void> Pull(std::vector<uint8_t>* out, size_t want);
  void Flush(std::vector<uint8_t>* out);  // the GOP gathered so far as one fragment

  const MediaPlan plan_;
  const std::vector<uint8_t> init_;
  const std::string codecs_;
  const bool audio_;          // the audio track is carried
  const int64_t base_;        // video decode time of the plan's first frame (90 kHz)
  const int64_t audio_base_;  // audio decode time of the plan's first audio sample
  FrameCursor cursor_;        // over plan_ (declared after it)
  uint32_t sequence_ = 1;
  // The GOP being gathered.
  mp4::TrackRun video_run_, audio_run_;
  std::vector<uint8_t> video_bytes_, audio_bytes_;
  bool done_ = false;
  std::optional<Error> error_;
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_FMP4_EXPORT_H_
