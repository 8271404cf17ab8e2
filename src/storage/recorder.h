// The recorder of one stream: turns the stream's frames into recordings.
//
// - A recording starts at a key frame and is cut at the first key frame at or after its target
//   length (default 60 s), so every recording decodes on its own. Cut points are staggered across
//   streams: a stream's first recording is shortened by its `stagger`, so streams that start
//   together do not all rotate together afterwards.
// - A change of codec parameters (sample entry) starts a new recording at that key frame.
// - A gap (the camera reconnected, the disk shed frames, timestamps jumped) ends the run: the
//   next recording starts a new run.
// - Frame durations come from the camera's clock (media time). A frame's duration is known when
//   the next frame of its track arrives, so the recorder holds each track's latest frame back.
// - Wall time: a run's first recording starts at the local clock's reading when its first frame
//   arrived. Each later recording starts where the previous one ended. A recording's wall
//   duration is its media duration corrected towards the local clock by at most ±500 ppm
//   (kMaxDriftPpm), so a camera clock that drifts is followed without ever jumping.
// - Runs of a stream never overlap by less than kMaxRunOverlap: a run whose first frame arrives
//   before the stream's previous run ended (that run's last frame duration is estimated, its
//   start was the arrival of its first frame: both can be off by a frame or a read's wait, and a
//   camera that drops the connection is often back within that) starts where the previous run
//   ended. A larger overlap is the local clock stepping back: the new run follows the clock.
//
// Thread safety: a Recorder is used from one thread (its stream's strand); the sink's methods are
// called from that thread.
#ifndef NIGHTJAR_STORAGE_RECORDER_H_
#define NIGHTJAR_STORAGE_RECORDER_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/time.h"
#include "storage/frame.h"

namespace nightjar::storage {

inline constexpr int64_t kMaxDriftPpm = 500;
inline constexpr Duration90k kMaxRunOverlap = Duration90k::FromSeconds(2);

// A frame with its duration, as the sink receives it.
struct TimedFrame {
  const Frame* frame;
  int32_t duration;  // in the track's units
};

// Where the recorder's output goes: the storage engine (or a test).
class RecordingSink {
 public:
  struct Start {
    Time90k wall_start;
    bool new_run;  // false: continues the run of the previous recording
    int64_t video_sample_entry_id;
    std::optional<int64_t> audio_sample_entry_id;
    Duration90k target;  // expected length (for preallocation)
  };
  struct End {
    Duration90k media_duration;
    Duration90k wall_duration;
    bool run_end;  // a gap follows
  };
  virtual ~RecordingSink() = default;
  // Opens a recording. Errors stop recording until the next key frame.
  virtual Result<void> BeginRecording(const Start& start) = 0;
  // Appends a frame to the open recording; false when the disk cannot keep up (memory bound): the
  // recorder then ends the recording and the run, and sheds frames up to the next key frame.
  virtual bool AppendFrame(const TimedFrame& frame) = 0;
  virtual void EndRecording(const End& end) = 0;
};

struct RecorderOptions {
  Duration90k target_duration = Duration90k::FromSeconds(60);
  Duration90k stagger = Duration90k::FromSeconds(0);  // shortens the first recording
  // A jump in media time larger than this (or backwards) between frames is a gap.
  Duration90k max_frame_gap = Duration90k::FromSeconds(10);
  uint32_t audio_clock_rate = 0;  // 0: no audio track
  // Where the stream's latest recording ended (an earlier session's, or one found in the
  // database), if any: a new run starts no earlier (see kMaxRunOverlap).
  std::optional<Time90k> previous_end;
};

class Recorder {
 public:
  Recorder(RecordingSink& sink, RecorderOptions options);
  ~Recorder();

  // The sample entries of the frames that follow (call before the key frame that uses them).
  void SetVideoSampleEntry(int64_t id);
  void SetAudioSampleEntry(std::optional<int64_t> id);

  // Records `frame`, which arrived when the local clock read `wall_now`.
  void OnFrame(const Frame& frame, Time90k wall_now);

  // Ends the current recording (and run), e.g. on disconnect or shutdown. The last frame of each
  // track gets the duration of the frame before it.
  void Flush(Time90k wall_now);

  uint64_t frames_recorded() const { return frames_recorded_; }
  uint64_t frames_shed() const { return frames_shed_; }

 private:
  struct Pending {
    Frame frame;
    bool valid = false;
  };
  void StartRecording(const Frame& key, Time90k wall_now);
  void EndRecording(int64_t end_media_time, Time90k wall_now, bool run_end);
  void Emit(Pending& p, int64_t next_media_time);
  void Shed();
  // Notes how far a video frame's arrival lags the open recording's timeline (rec_wall_start_
  // plus its media offset); see EndRecording.
  void NoteLag(int64_t media_time, Time90k wall_now);

  RecordingSink& sink_;
  const RecorderOptions options_;
  int64_t video_entry_ = 0;
  std::optional<int64_t> audio_entry_;
  bool entry_changed_ = false;

  bool open_ = false;       // a recording is open
  bool run_open_ = false;   // the next recording continues the current run
  bool rec_audio_ = false;  // the open recording was begun with an audio sample entry
  bool first_of_stream_ = true;
  int64_t rec_start_media_ = 0;  // video media time of the recording's first frame
  Time90k rec_wall_start_;
  Time90k last_wall_;  // arrival time of the latest frame
  // Where the stream's latest recording ended: the next recording of the run starts there, a new
  // run no earlier (kMaxRunOverlap). Always set while run_open_.
  std::optional<Time90k> last_end_;
  Duration90k target_;  // this recording's target (stagger on the first)
  // The smallest lag in the current one-second bucket of media time and in the one before.
  int64_t lag_min_ = INT64_MAX, lag_min_before_ = INT64_MAX;
  int64_t lag_bucket_start_ = 0;  // media time the current bucket began
  Pending video_, audio_;
  int32_t last_video_duration_ = 0, last_audio_duration_ = 0;
  uint64_t frames_recorded_ = 0, frames_shed_ = 0;
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_RECORDER_H_
