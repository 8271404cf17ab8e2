// The media source over an engine that recorded the clips: ranges resolve to the right frames,
// the virtual .mp4 holds exactly the recorded bytes (read back by our demuxer), byte ranges are
// served through the API the HTTP server calls, and a plan's lease keeps retention away. The
// frame cursor yields the .mp4's samples; SplitRange cuts a range's frames into VOD segments at
// key frames (discontinuities at new runs and gaps) and PlanFrames plans one of them.
#include "storage/media_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "mp4/demux.h"
#include "storage/media_test_base.h"

namespace nightjar::storage {
namespace {

using MediaSourceTest = MediaTestBase;

// The video samples of the .mp4 must be the clip's frames [first, first + n), looped.
void ExpectClipFrames(const std::vector<uint8_t>& file, const mp4::DemuxedTrack& track,
                      const testutil::Clip& clip, size_t first) {
  std::vector<const testutil::ClipFrame*> video;
  for (const auto& f : clip.frames) {
    if (f.frame.track == Track::kVideo) video.push_back(&f);
  }
  for (size_t i = 0; i < track.samples.size(); ++i) {
    const auto& want = *video[(first + i) % video.size()]->frame.data;
    const auto& s = track.samples[i];
    ASSERT_EQ(s.size, want.size()) << i;
    ASSERT_EQ(0, std::memcmp(file.data() + s.offset, want.data(), want.size())) << i;
  }
}

TEST_F(MediaSourceTest, MidGopRangeAcrossRecordingsIsFrameAccurate) {
  const int64_t stream = Stream("cam1");
  const auto clip = Load("main.mp4");
  Record(stream, kT0, 20, clip);
  // 3.5 .. 13.25 s: starts 1.5 s into the GOP at 2 s, ends inside the fourth 4 s recording.
  auto plan = Plan(stream, 3.5, 13.25);
  ASSERT_TRUE(plan) << plan.error().ToString();
  EXPECT_EQ(plan->recordings.size(), 4u);          // [0,4) [4,8) [8,12) [12,16)
  EXPECT_EQ(plan->parts.front().first_frame, 60);  // the key frame at 2 s
  EXPECT_EQ(plan->video_skip_90k, 135'000);        // 1.5 s
  auto m = mp4::VirtualMp4::Build(plan->mp4);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ((*m)->duration_90k(), static_cast<uint64_t>(9.75 * kTicksPerSecond));
  auto file = ReadRange(**m, *plan->reader, 0, (*m)->size());
  auto d = mp4::DemuxMp4(file);
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->tracks.size(), 1u);
  const auto& v = d->tracks[0];
  // From the key frame at 2 s to the frame that holds 13.25 s.
  EXPECT_EQ(v.samples.size(), 398u - 60u);  // frame 397 starts at 13.233 s
  ASSERT_EQ(v.edits.size(), 1u);
  EXPECT_EQ(v.edits[0].media_time, 135'000);
  ExpectClipFrames(file, v, clip, 60);
}

TEST_F(MediaSourceTest, AStartInsideAFramePresentsThatFrameFromItsStart) {
  const int64_t stream = Stream("cam1");
  Record(stream, kT0, 8, Load("main.mp4"));
  // 3.51 s lies inside frame 105 (3.5 .. 3.533 s at 30 fps): presentation starts at 3.5 s, so
  // that players which drop a frame straddling the edit's start (FFmpeg's demuxer) show it.
  auto plan = PlanRangeLeased(*engine_, EngineCatalog(*engine_), fs_, stream,
                              At(3.5) + Duration90k(900), At(6));
  ASSERT_TRUE(plan) << plan.error().ToString();
  EXPECT_EQ(plan->parts.front().first_frame, 60);  // the key frame at 2 s
  EXPECT_EQ(plan->video_skip_90k, 135'000);        // 1.5 s: frame 105's start
  EXPECT_EQ(plan->start, At(3.5));
  EXPECT_EQ(plan->mp4.video_edit_start, 135'000);
  // The frame starting exactly at `from` starts presentation itself.
  auto exact = Plan(stream, 3.5, 6);
  ASSERT_TRUE(exact) << exact.error().ToString();
  EXPECT_EQ(exact->video_skip_90k, 135'000);
  EXPECT_EQ(exact->start, At(3.5));
}

TEST_F(MediaSourceTest, ServesByteRangesThroughTheServerApi) {
  const int64_t stream = Stream("cam1");
  Record(stream, kT0, 12, Load("main.mp4"));
  auto plan = Plan(stream, 0, 12);
  ASSERT_TRUE(plan);
  auto m = *mp4::VirtualMp4::Build(plan->mp4);
  const uint64_t size = m->size();
  const auto whole = ReadRange(*m, *plan->reader, 0, size);
  ASSERT_EQ(whole.size(), size);
  const std::string mid = "bytes=" + std::to_string(size / 2) + "-" + std::to_string(size / 2 + 99);
  for (const std::string& h :
       {std::string("bytes=0-0"), mid, "bytes=" + std::to_string(size - 1) + "-",
        std::string("bytes=-1"), std::string("bytes=-70000")}) {
    auto r = mp4::ParseRangeHeader(h, size);
    ASSERT_TRUE(r) << h;
    auto got = ReadRange(*m, *plan->reader, r->start, r->end);
    ASSERT_EQ(got, std::vector<uint8_t>(whole.begin() + r->start, whole.begin() + r->end)) << h;
  }
  EXPECT_EQ(
      mp4::ParseRangeHeader("bytes=-1", size)->end - mp4::ParseRangeHeader("bytes=-1", size)->start,
      1u);
  for (const std::string& h : {"bytes=" + std::to_string(size) + "-", std::string("bytes=9-3"),
                               std::string("bytes=abc")}) {
    EXPECT_FALSE(mp4::ParseRangeHeader(h, size)) << h;
  }
  EXPECT_FALSE(
      m->Read(size - 1, size + 1, *plan->reader, [](std::span<const uint8_t>) { return Ok(); }));
  // The same range gives the same ETag; another one does not.
  auto again = Plan(stream, 0, 12);
  EXPECT_EQ((*mp4::VirtualMp4::Build(again->mp4))->etag(), m->etag());
  auto other = Plan(stream, 0, 11);
  EXPECT_NE((*mp4::VirtualMp4::Build(other->mp4))->etag(), m->etag());
  EXPECT_GT(m->last_modified_unix_seconds(), kT0.ToUnixSeconds());
}

TEST_F(MediaSourceTest, AudioTrackHoldsTheRecordedAudio) {
  const int64_t stream = Stream("cam3");
  const auto clip = Load("audio.mp4");
  Record(stream, kT0, 10, clip);
  auto plan = Plan(stream, 2, 8);
  ASSERT_TRUE(plan);
  auto m = *mp4::VirtualMp4::Build(plan->mp4);
  auto file = ReadRange(*m, *plan->reader, 0, m->size());
  auto d = mp4::DemuxMp4(file);
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->tracks.size(), 2u);
  const auto& a = d->tracks[1];
  EXPECT_EQ(a.format, "mp4a");
  EXPECT_EQ(a.timescale, 48000u);
  // The audio of [2 s, 8 s) plus the part of the GOP before 2 s it starts with: ~6 s.
  EXPECT_NEAR(static_cast<double>(a.samples.size()), 6.0 * 48000 / 1024, 4);
  // Every audio sample is one of the clip's AAC frames, in order.
  std::vector<const std::vector<uint8_t>*> clip_audio;
  for (const auto& f : clip.frames) {
    if (f.frame.track == Track::kAudio) clip_audio.push_back(f.frame.data.get());
  }
  size_t k = 0;
  while (k < clip_audio.size() &&
         !(clip_audio[k]->size() == a.samples[0].size &&
           std::memcmp(clip_audio[k]->data(), file.data() + a.samples[0].offset,
                       a.samples[0].size) == 0)) {
    ++k;
  }
  ASSERT_LT(k, clip_audio.size());
  for (size_t i = 0; i < a.samples.size(); ++i) {
    const auto& want = *clip_audio[(k + i) % clip_audio.size()];
    ASSERT_EQ(0, std::memcmp(file.data() + a.samples[i].offset, want.data(), want.size())) << i;
  }
}

TEST_F(MediaSourceTest, LeaseKeepsRetentionAwayUntilThePlanGoes) {
  const int64_t stream = Stream("cam1", 1);  // a budget nothing fits in
  Record(stream, kT0, 12, Load("main.mp4"));
  {
    auto plan = Plan(stream, 0, 12);
    ASSERT_TRUE(plan);
    ASSERT_TRUE(engine_->ApplyRetention());
    auto m = *mp4::VirtualMp4::Build(plan->mp4);
    // Every file is still there: the whole .mp4 reads.
    EXPECT_EQ(ReadRange(*m, *plan->reader, 0, m->size()).size(), m->size());
  }
  ASSERT_TRUE(engine_->ApplyRetention());
  EXPECT_EQ(Plan(stream, 0, 12).error().code(), ErrorCode::kNotFound);
}

TEST_F(MediaSourceTest, NothingRecordedIsNotFound) {
  const int64_t stream = Stream("cam1");
  Record(stream, kT0, 4, Load("main.mp4"));
  EXPECT_EQ(Plan(stream, 100, 200).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Plan(stream, 3, 3).error().code(), ErrorCode::kInvalidArgument);
}

// What a FrameCursor yields, with a copy of the bytes.
struct Pulled {
  bool audio;
  int64_t dts;
  int32_t duration, cto;
  bool key;
  size_t segment;
  std::vector<uint8_t> data;
  bool operator==(const Pulled&) const = default;
};

std::vector<Pulled> PullAll(const MediaPlan& plan,
                            size_t max_read_bytes = FrameCursor::kMaxReadBytes,
                            size_t* largest_read = nullptr) {
  std::vector<Pulled> out;
  FrameCursor cursor(plan, max_read_bytes);
  PlannedFrame f;
  while (true) {
    auto more = cursor.Next(&f);
    EXPECT_TRUE(more) << more.error().ToString();
    if (!more || !*more) break;
    out.push_back({f.audio, f.dts, f.duration, f.cto, f.key, f.segment,
                   std::vector<uint8_t>(f.data.begin(), f.data.end())});
  }
  auto again = cursor.Next(&f);  // the end stays the end
  EXPECT_TRUE(again && !*again);
  if (largest_read) *largest_read = cursor.largest_read();
  return out;
}

TEST_F(MediaSourceTest, FrameCursorReadsARecordingWithoutAudioInBoundedPieces) {
  // A recording without audio is one chunk: its whole sample file.
  const int64_t stream = Stream("cam1");
  Record(stream, kT0, 10, Load("main.mp4"));
  auto plan = Plan(stream, 0, 10);
  ASSERT_TRUE(plan) << plan.error().ToString();
  size_t file_bytes = 0;
  for (const auto& r : plan->recordings) {
    file_bytes = std::max<size_t>(file_bytes, static_cast<size_t>(r.sample_file_bytes));
  }
  ASSERT_GT(file_bytes, 2 * FrameCursor::kMaxReadBytes);

  size_t largest = 0;
  const auto whole = PullAll(*plan, SIZE_MAX, &largest);  // one read per file, as before
  EXPECT_EQ(largest, file_bytes);
  ASSERT_FALSE(whole.empty());

  // Read 1 MiB at most at a time: the same frames, bytes and times.
  EXPECT_EQ(PullAll(*plan, FrameCursor::kMaxReadBytes, &largest), whole);
  EXPECT_LE(largest, FrameCursor::kMaxReadBytes);

  // A bound below a key frame's size: such a frame is read alone, whole.
  size_t biggest_frame = 0;
  for (const Pulled& p : whole) biggest_frame = std::max(biggest_frame, p.data.size());
  EXPECT_EQ(PullAll(*plan, 4096, &largest), whole);
  EXPECT_EQ(largest, biggest_frame);
}

TEST_F(MediaSourceTest, FrameCursorYieldsTheMp4SamplesAsForEachFrameDoes) {
  const int64_t stream = Stream("cam3");
  Record(stream, kT0, 10, Load("audio.mp4"));
  auto plan = Plan(stream, 2.5, 9);  // three recordings, starting mid-GOP
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->recordings.size(), 3u);
  EXPECT_EQ(plan->first_frame_media_90k, 2 * kTicksPerSecond);  // the key frame at 2 s
  const auto pulled = PullAll(*plan);

  std::vector<Pulled> pushed;
  ASSERT_TRUE(ForEachFrame(*plan, [&](const PlannedFrame& f) -> Result<void> {
    pushed.push_back({f.audio, f.dts, f.duration, f.cto, f.key, f.segment,
                      std::vector<uint8_t>(f.data.begin(), f.data.end())});
    return Ok();
  }));
  EXPECT_EQ(pushed, pulled);

  // The same frames, times and bytes as the .mp4's tracks, each track in order.
  auto m = *mp4::VirtualMp4::Build(plan->mp4);
  const auto file = ReadRange(*m, *plan->reader, 0, m->size());
  auto d = mp4::DemuxMp4(file);
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->tracks.size(), 2u);
  size_t next[2] = {0, 0};
  size_t last_segment = 0;
  for (const Pulled& p : pulled) {
    const auto& track = d->tracks[p.audio ? 1 : 0];
    const size_t i = next[p.audio]++;
    ASSERT_LT(i, track.samples.size());
    const auto& s = track.samples[i];
    ASSERT_EQ(p.dts, s.dts) << p.audio << " " << i;
    ASSERT_EQ(p.duration, static_cast<int32_t>(s.duration));
    ASSERT_EQ(p.cto, s.pts - s.dts);
    ASSERT_EQ(p.key, s.key);
    ASSERT_EQ(p.data,
              std::vector<uint8_t>(file.begin() + s.offset, file.begin() + s.offset + s.size));
    ASSERT_GE(p.segment, last_segment);
    last_segment = p.segment;
  }
  EXPECT_EQ(next[0], d->tracks[0].samples.size());
  EXPECT_EQ(next[1], d->tracks[1].samples.size());
  EXPECT_GT(next[1], 100u);
  EXPECT_EQ(last_segment, 2u);
  int64_t frames = 0;
  for (const auto& part : plan->parts) frames += part.end_frame - part.first_frame;
  EXPECT_EQ(static_cast<int64_t>(next[0]), frames);
}

// Forwards to the engine's catalog, rewriting rows.
class RewritingCatalog final : public RecordingCatalog {
 public:
  RewritingCatalog(std::shared_ptr<RecordingCatalog> base,
                   std::function<void(db::RecordingRow&)> rewrite)
      : base_(std::move(base)), rewrite_(std::move(rewrite)) {}
  Result<std::vector<db::RecordingRow>> ListRecordings(int64_t stream_id, Time90k from,
                                                       Time90k to) override {
    NJ_TRY(auto rows, base_->ListRecordings(stream_id, from, to));
    for (auto& r : rows) rewrite_(r);
    return rows;
  }
  Result<db::RecordingRow> GetRecording(int64_t id) override {
    NJ_TRY(auto row, base_->GetRecording(id));
    rewrite_(row);
    return row;
  }
  Result<db::RecordingIndexRow> GetRecordingIndex(int64_t id) override {
    return base_->GetRecordingIndex(id);
  }
  Result<db::SampleEntryRow> GetSampleEntry(int64_t id) override {
    return base_->GetSampleEntry(id);
  }
  Result<std::string> SampleDirPath(int64_t stream_id) override {
    return base_->SampleDirPath(stream_id);
  }

 private:
  std::shared_ptr<RecordingCatalog> base_;
  std::function<void(db::RecordingRow&)> rewrite_;
};

class SplitRangeTest : public MediaTestBase {
 protected:
  // Runs [0, 12) s and [12, 20) s back to back, then [30, 36) s: 4 s recordings with key frames
  // every 2 s (the recorder cuts at the first key frame at or after 4 s).
  void SetUp() override {
    MediaTestBase::SetUp();
    if (IsSkipped()) return;
    stream_ = Stream("cam1");
    const auto clip = Load("main.mp4");
    Record(stream_, At(0), 12, clip);
    Record(stream_, At(12), 8, clip);
    Record(stream_, At(30), 6, clip);
  }

  // Checks the segments against the plan of the same range: every included frame once, in
  // order, recording by recording; cuts only at key frames and at least `target` apart.
  void ExpectCover(const std::vector<VodSegment>& segments, const MediaPlan& plan, int64_t target) {
    size_t k = 0;
    for (size_t r = 0; r < plan.recordings.size(); ++r) {
      const auto& part = plan.parts[r];
      int64_t frame = part.first_frame;
      for (; k < segments.size() && segments[k].composite_id == plan.recordings[r].composite_id;
           ++k) {
        const VodSegment& s = segments[k];
        EXPECT_EQ(s.first_frame, frame) << k;
        EXPECT_LT(s.first_frame, s.end_frame) << k;
        // Key frames every 60 frames, 30 fps.
        EXPECT_EQ(s.first_frame % 60, 0) << k;
        EXPECT_EQ(s.duration_90k, (s.end_frame - s.first_frame) * 3000) << k;
        if (s.end_frame != part.end_frame) {
          EXPECT_GE(s.duration_90k, target) << k;
        }
        if (frame != part.first_frame) {
          EXPECT_FALSE(s.discontinuity) << k;
        }
        // Wall times follow the frames (the simulated camera clock runs at wall speed).
        EXPECT_NEAR(static_cast<double>((s.start - plan.recordings[r].start).ticks()),
                    static_cast<double>((s.first_frame) * 3000), 2.0)
            << k;
        frame = s.end_frame;
      }
      EXPECT_EQ(frame, part.end_frame) << r;
    }
    EXPECT_EQ(k, segments.size());
  }

  int64_t stream_ = 0;
};

TEST_F(SplitRangeTest, CutsEachRecordingAtKeyFrames) {
  auto catalog = EngineCatalog(*engine_);
  auto plan = Plan(stream_, 3.5, 35.1);
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->recordings.size(), 7u);
  const Duration90k target = Duration90k::FromMillis(1500);
  auto segments = SplitRange(*catalog, stream_, At(3.5), At(35.1), target);
  ASSERT_TRUE(segments) << segments.error().ToString();
  ExpectCover(*segments, *plan, target.ticks());
  // [2,4) | [4,6) [6,8) | [8,10) [10,12) || [12,14) [14,16) | [16,18) [18,20) || [30,32) [32,34)
  // | [34, 35.1]: the last one ends with the frame presented before 35.1 s.
  ASSERT_EQ(segments->size(), 12u);
  EXPECT_EQ(segments->back().end_frame, 33);  // frame 33 starts at 35.1 s
  std::vector<size_t> discontinuities;
  for (size_t i = 0; i < segments->size(); ++i) {
    if ((*segments)[i].discontinuity) discontinuities.push_back(i);
  }
  EXPECT_EQ(discontinuities, (std::vector<size_t>{5, 9}));  // the runs at 12 s and 30 s
  EXPECT_NEAR(static_cast<double>(((*segments)[0].start - At(2)).ticks()), 0, 2);
  EXPECT_NEAR(static_cast<double>(((*segments)[9].start - At(30)).ticks()), 0, 2);

  // A longer target: one segment per recording (a recording is never split across two).
  auto whole = SplitRange(*catalog, stream_, At(0), At(40), Duration90k::FromSeconds(10));
  ASSERT_TRUE(whole);
  auto whole_plan = Plan(stream_, 0, 40);
  ASSERT_TRUE(whole_plan);
  ExpectCover(*whole, *whole_plan, 10 * kTicksPerSecond);
  EXPECT_EQ(whole->size(), whole_plan->recordings.size());
  // Target 0: every GOP.
  auto gops = SplitRange(*catalog, stream_, At(0), At(40), Duration90k(0));
  ASSERT_TRUE(gops);
  EXPECT_EQ(gops->size(), 13u);  // 26 s in 2 s GOPs
}

TEST_F(SplitRangeTest, DiscontinuityAtGapsWithinARun) {
  // Every row claims the first run: only the gap at 20..30 s is a discontinuity, not the
  // contiguous new run at 12 s.
  auto base = EngineCatalog(*engine_);
  auto rows = base->ListRecordings(stream_, At(0), At(1));
  ASSERT_TRUE(rows);
  const int64_t run = rows->front().composite_id;
  RewritingCatalog catalog(base, [run](db::RecordingRow& r) { r.run_start_id = run; });
  auto segments = SplitRange(catalog, stream_, At(0), At(40), Duration90k::FromSeconds(2));
  ASSERT_TRUE(segments) << segments.error().ToString();
  ASSERT_EQ(segments->size(), 13u);
  for (size_t i = 0; i < segments->size(); ++i) {
    EXPECT_EQ((*segments)[i].discontinuity, i == 10) << i;
  }
}

TEST_F(SplitRangeTest, Errors) {
  auto catalog = EngineCatalog(*engine_);
  const Duration90k t = Duration90k::FromSeconds(2);
  EXPECT_EQ(SplitRange(*catalog, stream_, At(21), At(29), t).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(SplitRange(*catalog, stream_, At(5), At(5), t).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(SplitRangeTest, PlanFramesPlansOneSegment) {
  auto catalog = EngineCatalog(*engine_);
  auto segments = SplitRange(*catalog, stream_, At(0), At(12), Duration90k::FromSeconds(2));
  ASSERT_TRUE(segments);
  ASSERT_EQ(segments->size(), 6u);
  const VodSegment& s = (*segments)[3];  // [6, 8) s: frames [60, 120) of the second recording
  auto plan =
      PlanFramesLeased(*engine_, catalog, fs_, stream_, s.composite_id, s.first_frame, s.end_frame);
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->recordings.size(), 1u);
  EXPECT_EQ(plan->parts[0].first_frame, 60);
  EXPECT_EQ(plan->parts[0].end_frame, 120);
  EXPECT_EQ(plan->first_frame_media_90k, 2 * kTicksPerSecond);
  EXPECT_EQ(plan->start, s.start);
  EXPECT_NEAR(static_cast<double>((plan->end - At(8)).ticks()), 0, 2);
  EXPECT_TRUE(plan->lease);
  // Its .mp4 holds exactly those frames, from the clip's frame 180 (6 s into its 10 s loop).
  auto m = mp4::VirtualMp4::Build(plan->mp4);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ((*m)->duration_90k(), 2u * kTicksPerSecond);
  const auto file = ReadRange(**m, *plan->reader, 0, (*m)->size());
  auto d = mp4::DemuxMp4(file);
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->tracks[0].samples.size(), 60u);
  ExpectClipFrames(file, d->tracks[0], Load("main.mp4"), 180);

  auto frames = [&](int64_t id, int64_t first, int64_t end) {
    auto p = PlanFrames(catalog, fs_, stream_, id, first, end);
    return p ? ErrorCode::kInternal : p.error().code();
  };
  EXPECT_EQ(frames(s.composite_id, 61, 120), ErrorCode::kInvalidArgument);  // not a key frame
  EXPECT_EQ(frames(s.composite_id, 60, 121), ErrorCode::kInvalidArgument);
  EXPECT_EQ(frames(s.composite_id, 60, 60), ErrorCode::kInvalidArgument);
  EXPECT_EQ(frames(s.composite_id, -60, 60), ErrorCode::kInvalidArgument);
  EXPECT_EQ(frames(s.composite_id + 1000, 0, 60), ErrorCode::kNotFound);
  EXPECT_EQ(PlanFrames(catalog, fs_, stream_ + 1, s.composite_id, 60, 120).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(MediaSourceTest, AWritingRowOlderThanItsIndexReadsAsThePrefix) {
  // A checkpoint between reading a WRITING row and its index only appends to the index.
  const int64_t stream = Stream("cam1");
  Record(stream, kT0, 4, Load("main.mp4"));
  RewritingCatalog catalog(EngineCatalog(*engine_), [](db::RecordingRow& r) {
    r.state = db::RecordingState::kWriting;
    r.video_samples = 50;
    r.media_duration = r.wall_duration = Duration90k(int64_t{50} * 3000);
  });
  auto segments = SplitRange(catalog, stream, kT0, At(10), Duration90k::FromSeconds(1));
  ASSERT_TRUE(segments) << segments.error().ToString();
  ASSERT_EQ(segments->size(), 1u);
  EXPECT_EQ(segments->back().end_frame, 50);
}

}  // namespace
}  // namespace nightjar::storage
