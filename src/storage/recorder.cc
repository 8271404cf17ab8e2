#include "storage/recorder.h"

#include <algorithm>

namespace nightjar::storage {

Recorder::Recorder(RecordingSink& sink, RecorderOptions options)
    : sink_(sink), options_(options), last_end_(options.previous_end) {}

Recorder::~Recorder() = default;

void Recorder::SetVideoSampleEntry(int64_t id) {
  if (id != video_entry_) entry_changed_ = true;
  video_entry_ = id;
}

void Recorder::SetAudioSampleEntry(std::optional<int64_t> id) {
  if (id != audio_entry_) entry_changed_ = true;
  audio_entry_ = id;
}

void Recorder::OnFrame(const Frame& frame, Time90k wall_now) {
  last_wall_ = wall_now;
  if (frame.track == Track::kAudio) {
    // Audio before the first key frame (or while shedding) is not kept, nor audio of a recording
    // that began before the audio's sample entry was known: its index would name no codec.
    if (!open_ || !rec_audio_) return;
    if (audio_.valid) {
      int64_t delta = frame.media_time - audio_.frame.media_time;
      bool sane = delta > 0 && delta <= options_.max_frame_gap.ticks() *
                                            static_cast<int64_t>(options_.audio_clock_rate) /
                                            kTicksPerSecond;
      Emit(audio_, sane ? frame.media_time : audio_.frame.media_time + last_audio_duration_);
      if (!open_) return;  // the disk shed
    }
    audio_.frame = frame;
    audio_.valid = true;
    return;
  }
  if (open_ && video_.valid) {
    int64_t delta = frame.media_time - video_.frame.media_time;
    if (delta <= 0 || delta > options_.max_frame_gap.ticks()) {
      // A gap or a jump back: what came before ends here; a new run starts at a key frame.
      Flush(wall_now);
    }
  }
  if (!open_) {
    if (!frame.key) {
      frames_shed_++;
      return;
    }
    StartRecording(frame, wall_now);
    return;
  }
  const bool cut =
      frame.key && (entry_changed_ || frame.media_time - rec_start_media_ >= target_.ticks());
  Emit(video_, frame.media_time);
  if (!open_) {  // the disk shed: this frame starts over if it can
    if (frame.key) StartRecording(frame, wall_now);
    return;
  }
  if (cut) {
    if (audio_.valid) Emit(audio_, audio_.frame.media_time + last_audio_duration_);
    if (open_) EndRecording(frame.media_time, wall_now, /*run_end=*/false);
    StartRecording(frame, wall_now);
    return;
  }
  video_.frame = frame;
  video_.valid = true;
  NoteLag(frame.media_time, wall_now);
}

void Recorder::NoteLag(int64_t media_time, Time90k wall_now) {
  if (media_time - lag_bucket_start_ >= kTicksPerSecond) {
    const bool next = media_time - lag_bucket_start_ < 2 * kTicksPerSecond;
    lag_min_before_ = next ? lag_min_ : INT64_MAX;
    lag_min_ = INT64_MAX;
    lag_bucket_start_ = media_time;
  }
  const int64_t lag =
      (wall_now - (rec_wall_start_ + Duration90k(media_time - rec_start_media_))).ticks();
  lag_min_ = std::min(lag_min_, lag);
}

void Recorder::StartRecording(const Frame& key, Time90k wall_now) {
  RecordingSink::Start s;
  s.new_run = !run_open_;
  if (run_open_) {
    s.wall_start = *last_end_;
  } else {
    s.wall_start = wall_now;
    // The previous run's end is an estimate (its last frame's duration, its first frame's
    // arrival): a run that seems to start a little before it starts right after it instead.
    if (last_end_ && wall_now < *last_end_ && *last_end_ - wall_now <= kMaxRunOverlap) {
      s.wall_start = *last_end_;
    }
  }
  s.video_sample_entry_id = video_entry_;
  s.audio_sample_entry_id = audio_entry_;
  target_ = options_.target_duration;
  if (first_of_stream_) {
    target_ = std::max(Duration90k::FromSeconds(1), target_ - options_.stagger);
  }
  s.target = target_;
  if (auto ok = sink_.BeginRecording(s); !ok) {
    open_ = false;
    run_open_ = false;
    frames_shed_++;
    return;
  }
  first_of_stream_ = false;
  open_ = true;
  run_open_ = true;
  entry_changed_ = false;
  rec_start_media_ = key.media_time;
  rec_audio_ = audio_entry_.has_value();
  rec_wall_start_ = s.wall_start;
  video_.frame = key;
  video_.valid = true;
  audio_.valid = false;
  lag_min_ = lag_min_before_ = INT64_MAX;
  lag_bucket_start_ = key.media_time;
  NoteLag(key.media_time, wall_now);
}

void Recorder::Emit(Pending& p, int64_t next_media_time) {
  const int32_t duration =
      static_cast<int32_t>(std::clamp<int64_t>(next_media_time - p.frame.media_time, 0, INT32_MAX));
  if (p.frame.track == Track::kVideo) {
    last_video_duration_ = duration;
  } else {
    last_audio_duration_ = duration;
  }
  p.valid = false;
  if (!sink_.AppendFrame({&p.frame, duration})) {
    Shed();
    return;
  }
  frames_recorded_++;
}

void Recorder::EndRecording(int64_t end_media_time, Time90k wall_now, bool run_end) {
  RecordingSink::End e;
  e.media_duration = Duration90k(end_media_time - rec_start_media_);
  // Follow the local clock, but never faster than kMaxDriftPpm (see the header). Where the local
  // clock stands is the smallest lag of the last second or two of arrivals, this one included:
  // frames are read in batches (rtsp::ClientOptions' pacing: up to a quarter of a second while
  // a stream is only recorded), and the frame read soonest after it came shows the clock without
  // that wait. (The lag of this frame alone would make every boundary up to a batch late, each
  // recording's wall duration swing to the bound, and an instant's frame differ by one between
  // the open recording and the closed one.)
  const int64_t media = e.media_duration.ticks();
  const int64_t error = std::min(
      {(wall_now - (rec_wall_start_ + e.media_duration)).ticks(), lag_min_, lag_min_before_});
  const int64_t limit = media * kMaxDriftPpm / 1'000'000;
  e.wall_duration = Duration90k(media + std::clamp(error, -limit, limit));
  e.run_end = run_end;
  sink_.EndRecording(e);
  last_end_ = rec_wall_start_ + e.wall_duration;
  open_ = false;
  if (run_end) run_open_ = false;
}

void Recorder::Flush(Time90k wall_now) {
  if (!open_) return;
  int64_t end = video_.frame.media_time + last_video_duration_;
  if (video_.valid) Emit(video_, end);
  if (open_ && audio_.valid) Emit(audio_, audio_.frame.media_time + last_audio_duration_);
  if (open_) EndRecording(end, wall_now, /*run_end=*/true);
}

void Recorder::Shed() {
  // The writer is over its memory bound: end what we have (a gap follows) and drop frames until
  // the next key frame, so whole GOPs are shed rather than memory growing without limit.
  // Recorded frames end where the held (unrecorded) video frame starts.
  const int64_t end = video_.frame.media_time;
  frames_shed_++;
  video_.valid = audio_.valid = false;
  EndRecording(end, last_wall_, /*run_end=*/true);
}

}  // namespace nightjar::storage
