// The media source over an engine that recorded the clips: ranges resolve to the right frames,
// the virtual .mp4 holds exactly the recorded bytes (read back by our demuxer), byte ranges are
// served through the API the HTTP server calls, and a plan's lease keeps retention away.
#include "storage/media_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "mp4/demux.h"
#include "testutil/clip_feeder.h"
#include "testutil/temp_dir.h"

namespace nightjar::storage {
namespace {

const Time90k kT0 = Time90k::FromUnixSeconds(1'771'500'000);

class MediaSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* clips = std::getenv("NIGHTJAR_CLIPS");
    if (!clips || !std::filesystem::exists(std::string(clips) + "/main.mp4")) {
      GTEST_SKIP() << "no clips (tools/make_clips.sh)";
    }
    clips_ = clips;
    EngineOptions o;
    o.start_maintenance_thread = false;
    o.recording_duration = Duration90k::FromSeconds(4);
    auto e = Engine::Open(fs_, clock_, tmp_ / "data", o);
    ASSERT_TRUE(e) << e.error().ToString();
    engine_ = std::move(*e);
  }

  int64_t Stream(const std::string& camera, int64_t retain = int64_t{1} << 40) {
    auto cam = engine_->EnsureCamera(camera, camera);
    auto s = engine_->EnsureStream(*cam, db::StreamKind::kMain, retain);
    EXPECT_TRUE(s);
    return *s;
  }

  testutil::Clip Load(const std::string& name) {
    auto c = testutil::LoadClip(fs_, clips_ + "/" + name);
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }

  void Record(int64_t stream, Time90k start, double seconds, const testutil::Clip& clip) {
    clock_.SetWall(start);
    ASSERT_TRUE(testutil::FeedClips(*engine_, clock_, stream, {&clip}, seconds));
    ASSERT_TRUE(engine_->Checkpoint());
  }

  Result<MediaPlan> Plan(int64_t stream, double from, double to) {
    return PlanRangeLeased(*engine_, EngineCatalog(*engine_), fs_, stream,
                           kT0 + Duration90k(static_cast<int64_t>(from * kTicksPerSecond)),
                           kT0 + Duration90k(static_cast<int64_t>(to * kTicksPerSecond)));
  }

  static std::vector<uint8_t> ReadRange(const mp4::VirtualMp4& m, mp4::SourceReader& r, uint64_t a,
                                        uint64_t b) {
    std::vector<uint8_t> out;
    auto ok = m.Read(a, b, r, [&](std::span<const uint8_t> s) -> Result<void> {
      out.insert(out.end(), s.begin(), s.end());
      return Ok();
    });
    EXPECT_TRUE(ok) << ok.error().ToString();
    return out;
  }

  testutil::TempDir tmp_;
  PosixFs fs_;
  SimulatedClock clock_{kT0};
  std::unique_ptr<Engine> engine_;
  std::string clips_;
};

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

}  // namespace
}  // namespace nightjar::storage
