// SplitRange (media_source.h): a range's frames cut into VOD segments at key frames.
#include <algorithm>
#include <cstdlib>

#include "storage/media_index.h"
#include "storage/media_source.h"

namespace nightjar::storage {
namespace {

// Appends the segments of one recording's frames [part.first_frame, part.end_frame).
void CutRecording(const db::RecordingRow& row, const std::vector<db::VideoSample>& v,
                  MediaPlan::Part part, int64_t target, std::vector<VodSegment>& out) {
  auto add = [&](int64_t first, int64_t end) {
    const int64_t start = v[first].start.ticks();
    const int64_t stop = v[end - 1].start.ticks() + v[end - 1].duration.ticks();
    out.push_back({.composite_id = row.composite_id,
                   .first_frame = first,
                   .end_frame = end,
                   .start = internal::WallAt(row, start),
                   .duration_90k = stop - start,
                   .discontinuity = false});
  };
  int64_t first = part.first_frame;
  for (int64_t i = first + 1; i < part.end_frame; ++i) {
    if (v[i].key && v[i].start.ticks() - v[first].start.ticks() >= target) {
      add(first, i);
      first = i;
    }
  }
  add(first, part.end_frame);
}

}  // namespace

Result<std::vector<VodSegment>> SplitRange(RecordingCatalog& catalog, int64_t stream_id,
                                           Time90k from, Time90k to, Duration90k target) {
  NJ_TRY(auto rows, internal::ListRecorded(catalog, stream_id, from, to));
  std::vector<VodSegment> out;
  const db::RecordingRow* prev = nullptr;
  Time90k prev_end;             // wall time where the previous recording's frames end
  int64_t prev_last_frame = 0;  // duration of its last included frame
  for (const db::RecordingRow& row : rows) {
    NJ_TRY(db::RecordingIndexRow idx, catalog.GetRecordingIndex(row.composite_id));
    NJ_TRY(internal::FullIndex f, internal::DecodeIndex(row, idx, internal::IndexParts::kVideo));
    const MediaPlan::Part part = internal::TrimRange(row, f, from, to);
    const size_t first_segment = out.size();
    CutRecording(row, f.video, part, target.ticks(), out);
    const db::VideoSample& first = f.video[part.first_frame];
    const db::VideoSample& last = f.video[part.end_frame - 1];
    if (prev) {
      // Within one frame (either side's) of where the previous frames end counts as contiguous.
      const int64_t slack = std::max(prev_last_frame, first.duration.ticks());
      out[first_segment].discontinuity =
          row.run_start_id == row.composite_id || row.run_start_id != prev->run_start_id ||
          row.video_sample_entry_id != prev->video_sample_entry_id ||
          row.audio_sample_entry_id != prev->audio_sample_entry_id ||
          std::abs((out[first_segment].start - prev_end).ticks()) > slack;
    }
    prev = &row;
    prev_end = internal::WallAt(row, last.start.ticks() + last.duration.ticks());
    prev_last_frame = last.duration.ticks();
  }
  return out;
}

}  // namespace nightjar::storage
