#include "storage/recording_builder.h"

namespace nightjar::storage {

RecordingBuilder::RecordingBuilder(const db::RecordingRow& row) : row_(row), flags_(row_.flags) {}

bool RecordingBuilder::Append(const TimedFrame& tf, const std::function<bool()>& queue) {
  std::lock_guard lock(mu_);
  const Frame& f = *tf.frame;
  const int64_t size = static_cast<int64_t>(f.data->size());
  if (!queue()) return false;
  // The writer has the bytes; the index must describe them. Encoders only refuse absurd values
  // (hour-long frames, gigabyte frames), which the recorder's gap rules already exclude.
  Result<void> ok = Ok();
  if (f.track == Track::kVideo) {
    ok = video_.Append(Duration90k(tf.duration), size, f.key, Duration90k(f.cto));
    if (ok) ok = chunks_.Append(db::Track::kVideo, 1);
  } else {
    has_audio_ = true;
    ok = audio_.Append(tf.duration, size);
    if (ok) ok = chunks_.Append(db::Track::kAudio, 1);
  }
  bytes_ += static_cast<uint64_t>(size);
  return static_cast<bool>(ok);
}

void RecordingBuilder::Finish(Duration90k media_duration, Duration90k wall_duration, bool run_end) {
  std::lock_guard lock(mu_);
  finished_ = true;
  media_duration_ = media_duration;
  wall_duration_ = wall_duration;
  if (run_end) flags_ |= db::kRecordingRunEnd;
}

db::RecordingUpdate RecordingBuilder::SnapshotLocked() const {
  db::RecordingUpdate u;
  u.composite_id = row_.composite_id;
  u.flags = flags_ | (video_.has_cto() ? db::kRecordingHasCto : 0);
  // Until the recorder finishes, the media time so far is the sum of the frame durations and the
  // wall duration follows it; the drift correction is applied at the end.
  u.media_duration = finished_ ? media_duration_ : video_.duration();
  u.wall_duration = finished_ ? wall_duration_ : video_.duration();
  u.video_samples = video_.samples();
  u.video_sync_samples = video_.sync_samples();
  u.audio_samples = audio_.samples();
  u.sample_file_bytes = static_cast<int64_t>(bytes_);
  u.video_index = video_.bytes();
  if (has_audio_) {
    u.audio_index = audio_.bytes();
    u.chunk_index = chunks_.bytes();
  }
  return u;
}

Result<db::RecordingUpdate> RecordingBuilder::Snapshot(
    uint64_t durable_bytes, std::optional<db::SampleFileHash> written_hash) const {
  db::RecordingUpdate u;
  {
    std::lock_guard lock(mu_);
    u = SnapshotLocked();
  }
  if (durable_bytes < static_cast<uint64_t>(u.sample_file_bytes)) {
    NJ_CHECK_OK(TrimToBytes(u, durable_bytes));
  }
  u.written_hash = written_hash;
  return u;
}

uint64_t RecordingBuilder::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

bool RecordingBuilder::row_inserted() const {
  std::lock_guard lock(mu_);
  return row_inserted_;
}

void RecordingBuilder::set_row_inserted() {
  std::lock_guard lock(mu_);
  row_inserted_ = true;
}

Result<void> TrimToBytes(db::RecordingUpdate& u, uint64_t limit) {
  const bool has_cto = (u.flags & db::kRecordingHasCto) != 0;
  db::VideoIndexIterator video(u.video_index, has_cto);
  std::optional<db::AudioIndexIterator> audio;
  if (u.audio_index) audio.emplace(*u.audio_index);
  db::VideoIndexEncoder new_video(has_cto);
  db::AudioIndexEncoder new_audio;
  db::ChunkIndexEncoder new_chunks;
  uint64_t offset = 0;
  int64_t audio_duration = 0;
  // Walks the samples in file order: the chunk table's order, or all video without one.
  auto take = [&](db::Track track) -> Result<bool> {
    if (track == db::Track::kVideo) {
      NJ_TRY(bool more, video.Next());
      if (!more) return Err(ErrorCode::kMalformed, "chunk index names more video than indexed");
      const auto& s = video.sample();
      if (offset + static_cast<uint64_t>(s.bytes) > limit) return false;
      offset += static_cast<uint64_t>(s.bytes);
      NJ_CHECK_OK(new_video.Append(s.duration, s.bytes, s.key, s.cto));
    } else {
      NJ_TRY(bool more, audio->Next());
      if (!more) return Err(ErrorCode::kMalformed, "chunk index names more audio than indexed");
      const auto& s = audio->sample();
      if (offset + static_cast<uint64_t>(s.bytes) > limit) return false;
      offset += static_cast<uint64_t>(s.bytes);
      audio_duration += s.duration;
      NJ_CHECK_OK(new_audio.Append(s.duration, s.bytes));
    }
    NJ_CHECK_OK(new_chunks.Append(track, 1));
    return true;
  };
  if (u.chunk_index) {
    db::ChunkIndexIterator chunks(*u.chunk_index);
    bool full = true;
    while (full) {
      NJ_TRY(bool more, chunks.Next());
      if (!more) break;
      for (int64_t i = 0; i < chunks.chunk().samples && full; ++i) {
        NJ_TRY(full, take(chunks.chunk().track));
      }
    }
  } else {
    for (int64_t i = 0; i < u.video_samples; ++i) {
      NJ_TRY(bool fits, take(db::Track::kVideo));
      if (!fits) break;
    }
  }
  u.video_index = new_video.bytes();
  u.video_samples = new_video.samples();
  u.video_sync_samples = new_video.sync_samples();
  u.media_duration = u.wall_duration = new_video.duration();
  u.sample_file_bytes = static_cast<int64_t>(offset);
  if (u.audio_index) {
    u.audio_index = new_audio.bytes();
    u.audio_samples = new_audio.samples();
    u.chunk_index = new_chunks.bytes();
  }
  return Ok();
}

}  // namespace nightjar::storage
