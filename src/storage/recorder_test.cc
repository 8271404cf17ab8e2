#include "storage/recorder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

namespace nightjar::storage {
namespace {

// Records what the recorder asked for.
class FakeSink : public RecordingSink {
 public:
  struct Rec {
    Start start;
    std::vector<std::pair<Frame, int32_t>> frames;
    std::optional<End> end;
  };
  Result<void> BeginRecording(const Start& s) override {
    EXPECT_TRUE(recs.empty() || recs.back().end) << "begin while a recording is open";
    recs.push_back({s, {}, {}});
    return Ok();
  }
  bool AppendFrame(const TimedFrame& f) override {
    if (accept_budget-- <= 0) return false;
    EXPECT_FALSE(recs.back().end);
    recs.back().frames.emplace_back(*f.frame, f.duration);
    return true;
  }
  void EndRecording(const End& e) override { recs.back().end = e; }
  std::vector<Rec> recs;
  int64_t accept_budget = INT64_MAX;
};

Frame Video(int64_t t, bool key) {
  Frame f;
  f.track = Track::kVideo;
  f.media_time = t;
  f.key = key;
  f.data = std::make_shared<std::vector<uint8_t>>(key ? 1000 : 100, 0);
  return f;
}

Frame Audio(int64_t t) {
  Frame f;
  f.track = Track::kAudio;
  f.media_time = t;
  f.key = true;
  f.data = std::make_shared<std::vector<uint8_t>>(50, 0);
  return f;
}

constexpr int64_t kFrame = 3000;  // 30 fps
constexpr int64_t kFps = 30;
const Time90k kWall0 = Time90k::FromUnixSeconds(1'771'500'000);

// Feeds `seconds` of 30 fps video with a key frame every `gop` frames, arriving in real time.
void Feed(Recorder& r, int64_t first_frame, int64_t frames, int gop, Time90k wall0 = kWall0) {
  for (int64_t i = first_frame; i < first_frame + frames; ++i) {
    r.OnFrame(Video(i * kFrame, i % gop == 0), wall0 + Duration90k(i * kFrame));
  }
}

TEST(RecorderTest, CutsAtKeyFramesAfterTarget) {
  FakeSink sink;
  RecorderOptions o;
  o.target_duration = Duration90k::FromSeconds(60);
  Recorder r(sink, o);
  r.SetVideoSampleEntry(7);
  Feed(r, 0, kFps * 150, 60);  // 150 s, 2 s GOPs
  r.Flush(kWall0 + Duration90k::FromSeconds(150));
  ASSERT_EQ(sink.recs.size(), 3u);
  EXPECT_EQ(sink.recs[0].frames.size(), 1800u);  // exactly 60 s: cut at the key frame at 60 s
  EXPECT_EQ(sink.recs[1].frames.size(), 1800u);
  EXPECT_EQ(sink.recs[2].frames.size(), 900u);
  EXPECT_TRUE(sink.recs[0].start.new_run);
  EXPECT_FALSE(sink.recs[1].start.new_run);
  EXPECT_EQ(sink.recs[0].start.video_sample_entry_id, 7);
  for (const auto& rec : sink.recs) {
    EXPECT_TRUE(rec.frames.front().first.key);
    for (const auto& [f, d] : rec.frames) EXPECT_EQ(d, kFrame);
  }
  EXPECT_EQ(sink.recs[0].end->media_duration, Duration90k::FromSeconds(60));
  EXPECT_FALSE(sink.recs[0].end->run_end);
  EXPECT_TRUE(sink.recs[2].end->run_end);
  // Wall time is continuous across the run.
  EXPECT_EQ(sink.recs[1].start.wall_start,
            sink.recs[0].start.wall_start + sink.recs[0].end->wall_duration);
  EXPECT_EQ(r.frames_recorded(), 4500u);
}

TEST(RecorderTest, StaggerShortensOnlyTheFirstRecording) {
  FakeSink sink;
  RecorderOptions o;
  o.stagger = Duration90k::FromSeconds(20);
  Recorder r(sink, o);
  Feed(r, 0, kFps * 130, 60);
  r.Flush(kWall0);
  ASSERT_GE(sink.recs.size(), 3u);
  EXPECT_EQ(sink.recs[0].end->media_duration, Duration90k::FromSeconds(40));
  EXPECT_EQ(sink.recs[1].end->media_duration, Duration90k::FromSeconds(60));
}

TEST(RecorderTest, WaitsForKeyFrameAndDropsEarlyAudio) {
  FakeSink sink;
  RecorderOptions o;
  o.audio_clock_rate = 48000;
  Recorder r(sink, o);
  r.SetAudioSampleEntry(3);
  r.OnFrame(Audio(0), kWall0);
  r.OnFrame(Video(0, false), kWall0);
  r.OnFrame(Video(3000, true), kWall0);
  r.OnFrame(Audio(1024), kWall0);
  r.OnFrame(Audio(2048), kWall0);
  r.OnFrame(Video(6000, false), kWall0);
  r.Flush(kWall0);
  ASSERT_EQ(sink.recs.size(), 1u);
  auto& f = sink.recs[0].frames;
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].first.track, Track::kAudio);  // emitted when the next audio frame arrived
  EXPECT_EQ(f[0].second, 1024);
  EXPECT_EQ(f[1].first.media_time, 3000);
  EXPECT_EQ(f[1].second, 3000);
  EXPECT_EQ(r.frames_shed(), 1u);
}

TEST(RecorderTest, AudioWithoutSampleEntryIsNotRecordedUntilTheNextRecording) {
  // A recording begun before the audio's sample entry was known must not hold audio: its index
  // would have samples no codec describes. The entry starts a new recording at the next key.
  FakeSink sink;
  RecorderOptions o;
  o.audio_clock_rate = 48000;
  Recorder r(sink, o);
  r.SetVideoSampleEntry(1);
  r.OnFrame(Video(0, true), kWall0);
  r.SetAudioSampleEntry(2);
  r.OnFrame(Audio(0), kWall0);
  r.OnFrame(Audio(1024), kWall0);
  r.OnFrame(Video(3000, false), kWall0);
  r.OnFrame(Video(6000, true), kWall0);
  r.OnFrame(Audio(3072), kWall0);
  r.OnFrame(Audio(4096), kWall0);
  r.Flush(kWall0);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_FALSE(sink.recs[0].start.audio_sample_entry_id);
  for (const auto& [f, d] : sink.recs[0].frames) EXPECT_EQ(f.track, Track::kVideo);
  EXPECT_EQ(sink.recs[1].start.audio_sample_entry_id, 2);
  ASSERT_EQ(sink.recs[1].frames.size(), 3u);
  int audio = 0;
  for (const auto& [f, d] : sink.recs[1].frames) audio += f.track == Track::kAudio;
  EXPECT_EQ(audio, 2);
}

TEST(RecorderTest, SampleEntryChangeStartsNewRecording) {
  FakeSink sink;
  Recorder r(sink, {});
  r.SetVideoSampleEntry(1);
  Feed(r, 0, 90, 30);
  r.SetVideoSampleEntry(2);
  Feed(r, 90, 60, 30);
  r.Flush(kWall0);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[0].frames.size(), 90u);
  EXPECT_EQ(sink.recs[1].start.video_sample_entry_id, 2);
  EXPECT_FALSE(sink.recs[1].start.new_run);
}

TEST(RecorderTest, TimestampJumpEndsRun) {
  FakeSink sink;
  Recorder r(sink, {});
  Feed(r, 0, 90, 30);
  // The camera's clock jumps 1 hour ahead: a new run starting at the next key frame.
  for (int64_t i = 0; i < 60; ++i) {
    r.OnFrame(Video(324'000'000 + i * kFrame, i % 30 == 5), kWall0 + Duration90k(90 * kFrame));
  }
  r.Flush(kWall0);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_TRUE(sink.recs[0].end->run_end);
  EXPECT_EQ(sink.recs[0].frames.size(), 90u);
  EXPECT_EQ(sink.recs[0].frames.back().second, kFrame);  // last duration estimated
  EXPECT_TRUE(sink.recs[1].start.new_run);
  EXPECT_EQ(sink.recs[1].frames.size(), 55u);  // from the key frame at i = 5
}

// A camera dropped the connection and was back within a frame: the new run's first frame
// arrived before the previous run's end (its last frame's duration was estimated). The new run
// starts where that one ended, in the same recorder (a gap in media time) and in a new one (a new
// session, told the stream's previous end); a local clock stepped back further is followed.
TEST(RecorderTest, RunsDoNotOverlapByAnEstimate) {
  FakeSink sink;
  Recorder r(sink, {});
  Feed(r, 0, 120, 60);
  r.Flush(kWall0 + Duration90k(120 * kFrame));
  ASSERT_EQ(sink.recs.size(), 1u);
  const Time90k end = sink.recs[0].start.wall_start + sink.recs[0].end->wall_duration;
  EXPECT_EQ(end, kWall0 + Duration90k(120 * kFrame));
  // The camera restarts its clock; its first key frame arrives 10 ms before that end.
  const Time90k early = end - Duration90k(900);
  r.OnFrame(Video(0, true), early);
  r.OnFrame(Video(kFrame, false), early + Duration90k(kFrame));
  r.Flush(early + Duration90k(2 * kFrame));
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_TRUE(sink.recs[1].start.new_run);
  EXPECT_EQ(sink.recs[1].start.wall_start, end);

  // A new session's recorder, told where the stream's last recording ended: where does a run
  // whose first frame arrives at `arrival` start?
  auto run_start = [end](Time90k arrival) {
    FakeSink next;
    RecorderOptions o;
    o.previous_end = end;
    Recorder fresh(next, o);
    fresh.OnFrame(Video(0, true), arrival);
    fresh.Flush(arrival + Duration90k(kFrame));
    EXPECT_EQ(next.recs.size(), 1u);
    return next.recs.empty() ? Time90k() : next.recs[0].start.wall_start;
  };
  EXPECT_EQ(run_start(early), end);
  // Overlapping by more than kMaxRunOverlap: the local clock was stepped back; follow it.
  const Time90k back = end - kMaxRunOverlap - Duration90k(1);
  EXPECT_EQ(run_start(back), back);
  // After the end, nothing changes.
  EXPECT_EQ(run_start(end + Duration90k(1)), end + Duration90k(1));
}

TEST(RecorderTest, DriftCorrectionIsBounded) {
  FakeSink sink;
  Recorder r(sink, {});
  // The camera's clock runs 1% fast relative to the local clock: far beyond 500 ppm.
  for (int64_t i = 0; i <= 1800; ++i) {
    r.OnFrame(Video(i * kFrame, i % 60 == 0), kWall0 + Duration90k(i * kFrame * 100 / 101));
  }
  ASSERT_GE(sink.recs.size(), 1u);
  ASSERT_TRUE(sink.recs[0].end);
  const auto& e = *sink.recs[0].end;
  EXPECT_EQ(e.media_duration, Duration90k::FromSeconds(60));
  EXPECT_EQ(e.wall_duration.ticks(),
            60 * kTicksPerSecond - 60 * kTicksPerSecond * kMaxDriftPpm / 1'000'000);
}

// Frames read in batches (a quarter of a second's worth at a time, as a stream only recorded is
// read): each arrives up to 0.25 s after it was sent. The recordings' wall durations still
// follow the clock the cameras and this machine share (here: the same), not the batches' waits,
// so the wall timeline of one recording does not change when the next one closes it.
TEST(RecorderTest, BatchedArrivalsDoNotStretchRecordings) {
  FakeSink sink;
  RecorderOptions o;
  o.target_duration = Duration90k::FromSeconds(10);
  Recorder r(sink, o);
  constexpr int64_t kBatch = kTicksPerSecond / 4;
  for (int64_t i = 0; i <= kFps * 45; ++i) {
    const int64_t sent = i * kFrame;
    // Read at the end of the batch it arrived in (a frame that completes a batch at once).
    // Key frames every 47 frames fall anywhere in a batch.
    const int64_t read = (sent + kBatch - 1) / kBatch * kBatch;
    r.OnFrame(Video(sent, i % 47 == 0), kWall0 + Duration90k(read));
  }
  ASSERT_GE(sink.recs.size(), 4u);
  for (size_t k = 0; k + 1 < sink.recs.size(); ++k) {
    ASSERT_TRUE(sink.recs[k].end);
    const auto& e = *sink.recs[k].end;
    // Without the smallest lag, each boundary's own wait (up to 0.25 s) was taken for the clock:
    // durations at the 500 ppm bound (5 ms over 10 s).
    EXPECT_LE(std::abs(e.wall_duration.ticks() - e.media_duration.ticks()), 90)
        << "recording " << k;
    // Each starts where the one before ended, within the same millisecond of its media time.
    EXPECT_LE(std::abs((sink.recs[k + 1].start.wall_start - kWall0).ticks() -
                       (sink.recs[k].frames.front().first.media_time + e.media_duration.ticks())),
              90)
        << "recording " << k + 1;
  }
}

TEST(RecorderTest, ShedsUntilNextKeyFrameWhenDiskFallsBehind) {
  FakeSink sink;
  Recorder r(sink, {});
  sink.accept_budget = 40;
  Feed(r, 0, 40, 30);  // 39 emitted (one held back)
  sink.accept_budget = 1;
  Feed(r, 40, 10, 30);  // one more accepted, then refused: recording ends, shedding begins
  sink.accept_budget = INT64_MAX;
  Feed(r, 50, 40, 30);  // next key frame at 60 starts a new run
  r.Flush(kWall0);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_TRUE(sink.recs[0].end->run_end);
  EXPECT_EQ(sink.recs[0].frames.size(), 40u);
  EXPECT_EQ(sink.recs[0].end->media_duration, Duration90k(40 * kFrame));
  EXPECT_TRUE(sink.recs[1].start.new_run);
  EXPECT_EQ(sink.recs[1].frames.front().first.media_time, 60 * kFrame);
  EXPECT_GT(r.frames_shed(), 0u);
}

}  // namespace
}  // namespace nightjar::storage
