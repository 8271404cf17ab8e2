#include "storage/ts_export.h"

namespace nightjar::storage {

Result<std::unique_ptr<TsExport>> TsExport::Create(MediaPlan plan, int64_t time_base_90k) {
  for (const mp4::SampleEntrySpec& a : plan.mp4.audio_entries) {
    if (a.sample_rate == 0) {
      return Err(ErrorCode::kMalformed, "an audio sample entry has no sample rate");
    }
  }
  NJ_TRY(auto mux, mp4::TsMuxer::Create(plan.mp4.video_entries, plan.mp4.audio_entries));
  return std::unique_ptr<TsExport>(new TsExport(std::move(plan), std::move(mux), time_base_90k));
}

Result<void> TsExport::Next(std::vector<uint8_t>* out, size_t want) {
  if (!error_) {
    Result<void> ok = Pull(out, want);
    if (!ok) error_ = ok.error();
  }
  if (error_) return Err(*error_);
  return Ok();
}

Result<void> TsExport::Pull(std::vector<uint8_t>* out, size_t want) {
  const size_t at = out->size();
  PlannedFrame f;
  while (!done_ && (out->size() == at || out->size() < want)) {
    NJ_TRY(bool more, cursor_.Next(&f));
    if (more) {
      NJ_CHECK_OK(Write(f, out));
    } else {
      done_ = true;
    }
  }
  return Ok();
}

Result<void> TsExport::Write(const PlannedFrame& f, std::vector<uint8_t>* out) {
  const mp4::Mp4Segment& seg = plan_.mp4.segments[f.segment];
  if (f.audio) {
    const int64_t rate = plan_.mp4.audio_entries[seg.audio_entry].sample_rate;
    const int64_t pts = base_ + plan_.audio_offset_90k + f.dts * kTicksPerSecond / rate;
    return mux_->WriteAudio(static_cast<uint32_t>(seg.audio_entry), pts, f.data, out);
  }
  const int64_t dts = base_ + f.dts;
  return mux_->WriteVideo(seg.video_entry, dts, dts + f.cto, f.key, f.data, out);
}

}  // namespace nightjar::storage
