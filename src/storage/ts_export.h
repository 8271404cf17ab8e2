// A media plan as an MPEG-2 transport stream (ISO/IEC 13818-1), produced piece by piece: what
// `nightjar export` writes to a .ts file and what the server streams as an HLS VOD segment
// (RFC 8216 §3.2) or a .ts download of unknown length (http/body_source.h StreamSource).
//
// The frames come from a FrameCursor over the plan (at most 1 MiB of whole frames in memory) and
// go through mp4::TsMuxer, so memory stays bounded whatever the plan's length. Timestamps (90 kHz,
// before the muxer's fixed kTsTimeOffset): video DTS = time_base_90k + the frame's decode time
// from the plan's first frame, PTS = DTS + its composition offset; audio PTS = time_base_90k +
// plan.audio_offset_90k + the sample's start converted from its sample rate. Consecutive VOD
// segments passed the media time at which each starts as time_base_90k join up seamlessly.
//
// Thread safety: a TsExport is used by one thread at a time (it may move between threads).
#ifndef NIGHTJAR_STORAGE_TS_EXPORT_H_
#define NIGHTJAR_STORAGE_TS_EXPORT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/error.h"
#include "mp4/ts_mux.h"
#include "storage/media_source.h"

namespace nightjar::storage {

class TsExport {
 public:
  // Takes the plan (its lease, if any, is held as long as the export). kUnsupported/kMalformed
  // when the plan's sample entries cannot be muxed (see TsMuxer::Create; also an audio entry
  // without a sample rate).
  static Result<std::unique_ptr<TsExport>> Create(MediaPlan plan, int64_t time_base_90k = 0);
  TsExport(const TsExport&) = delete;
  TsExport& operator=(const TsExport&) = delete;

  // Appends the transport packets of whole frames, in the plan's file order, to *out until
  // out->size() >= want (at least one frame's, so a call makes progress whatever `want`) or the
  // plan ends; appending nothing means the stream is complete (and every later call appends
  // nothing). The output is a multiple of 188 bytes and starts with a PAT; its bytes do not depend
  // on how it is pulled. Errors (sample-file reads, frames that do not parse) end the export: *out
  // may then hold part of a frame's packets, and later calls return the same error.
  Result<void> Next(std::vector<uint8_t>* out, size_t want);

  const MediaPlan& plan() const { return plan_; }

 private:
  TsExport(MediaPlan plan, std::unique_ptr<mp4::TsMuxer> mux, int64_t time_base_90k)
      : plan_(std::move(plan)), mux_(std::move(mux)), base_(time_base_90k), cursor_(plan_) {}
  Result<void> Pull(std::vector<uint8_t>* out, size_t want);
  Result<void> Write(const PlannedFrame& f, std::vector<uint8_t>* out);

  const MediaPlan plan_;
  std::unique_ptr<mp4::TsMuxer> mux_;
  const int64_t base_;
  FrameCursor cursor_;  // over plan_ (declared after it)
  bool done_ = false;
  std::optional<Error> error_;
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_TS_EXPORT_H_
