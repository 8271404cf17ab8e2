// Thumbnails over a real engine recording the project's clips (NIGHTJAR_CLIPS; skipped without
// them): the JPEG is exactly the key frame at or before the time asked, decoded by src/decode,
// the sub stream is preferred, the cache and the decode bound hold.
#include "app/thumbnails.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/clock.h"
#include "decode/snapshot.h"
#include "testutil/clip_feeder.h"
#include "testutil/temp_dir.h"

namespace nightjar::app {
namespace {

constexpr Time90k kT0 = Time90k::FromUnixSeconds(1'771'500'000);

Time90k At(double seconds) {
  return kT0 + Duration90k(static_cast<int64_t>(seconds * kTicksPerSecond));
}

class ThumbnailsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* clips = std::getenv("NIGHTJAR_CLIPS");
    if (!clips || !std::filesystem::exists(std::string(clips) + "/main.mp4")) {
      GTEST_SKIP() << "no clips (tools/make_clips.sh)";
    }
    storage::EngineOptions o;
    o.start_maintenance_thread = false;
    o.recording_duration = Duration90k::FromSeconds(4);
    auto e = storage::Engine::Open(fs_, clock_, tmp_ / "data", o);
    ASSERT_TRUE(e) << e.error().ToString();
    engine_ = std::move(*e);
    auto main = testutil::LoadClip(fs_, std::string(clips) + "/main.mp4");
    auto sub = testutil::LoadClip(fs_, std::string(clips) + "/sub.mp4");
    ASSERT_TRUE(main && sub);
    main_ = std::move(*main);
    sub_ = std::move(*sub);
    auto cam = engine_->EnsureCamera("cam1", "Front");
    ASSERT_TRUE(cam);
    auto m = engine_->EnsureStream(*cam, db::StreamKind::kMain, int64_t{1} << 40);
    auto s = engine_->EnsureStream(*cam, db::StreamKind::kSub, int64_t{1} << 40);
    ASSERT_TRUE(m && s);
    // The main stream records [0, 10 s), the sub stream only [0, 6 s).
    Record(*m, 10, main_);
    Record(*s, 6, sub_);
  }

  void Record(int64_t stream, double seconds, const testutil::Clip& clip) {
    clock_.SetWall(kT0);
    ASSERT_TRUE(testutil::FeedClips(*engine_, clock_, stream, {&clip}, seconds));
    ASSERT_TRUE(engine_->Checkpoint());
  }

  // What the key frame of `clip` at `key_seconds` (a multiple of its 2 s GOP) gives directly.
  static std::vector<uint8_t> Expected(const testutil::Clip& clip, double key_seconds,
                                       uint32_t width, int quality) {
    for (const auto& f : clip.frames) {
      if (f.frame.track != storage::Track::kVideo || !f.frame.key) continue;
      if (f.frame.media_time != static_cast<int64_t>(key_seconds * kTicksPerSecond)) continue;
      decode::SnapshotOptions o;
      o.max_width = width;
      o.quality = quality;
      auto jpeg =
          decode::KeyFrameToJpeg(clip.video_entry.codec, clip.video_entry.config, *f.frame.data, o);
      EXPECT_TRUE(jpeg) << jpeg.error().ToString();
      return jpeg ? *jpeg : std::vector<uint8_t>{};
    }
    ADD_FAILURE() << "no key frame at " << key_seconds << " s";
    return {};
  }

  testutil::TempDir tmp_;
  PosixFs fs_;
  SimulatedClock clock_{kT0};
  std::unique_ptr<storage::Engine> engine_;
  testutil::Clip main_, sub_;
};

TEST_F(ThumbnailsTest, KeyFrameAtOrBeforeTheTimeFromTheSubStreamFirst) {
  Thumbnails thumbs(*engine_, fs_);
  const ThumbnailOptions o;
  // 3.5 s: the sub stream has it; its key frame at 2 s (GOPs of 2 s).
  auto t = thumbs.Get("cam1", "", At(3.5), 160);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->stream, "sub");
  EXPECT_EQ(*t->jpeg, Expected(sub_, 2.0, 160, o.quality));
  EXPECT_EQ(t->frame_time, At(2.0));
  EXPECT_FALSE(t->growing);
  // 8.1 s: only the main stream recorded it (the clip lasts 10 s: its own key frame at 8 s).
  auto late = thumbs.Get("cam1", "", At(8.1), 200);
  ASSERT_TRUE(late) << late.error().ToString();
  EXPECT_EQ(late->stream, "main");
  EXPECT_EQ(*late->jpeg, Expected(main_, 8.0, 200, o.quality));
  EXPECT_EQ(late->frame_time, At(8.0));
  // stream=main asked for explicitly, at an exact key frame time.
  auto main = thumbs.Get("cam1", "main", At(4.0), 160);
  ASSERT_TRUE(main) << main.error().ToString();
  EXPECT_EQ(main->stream, "main");
  EXPECT_EQ(*main->jpeg, Expected(main_, 4.0, 160, o.quality));
  EXPECT_NE(main->etag, t->etag);
}

TEST_F(ThumbnailsTest, CachedByFrameAndWidth) {
  Thumbnails thumbs(*engine_, fs_);
  auto a = thumbs.Get("cam1", "main", At(2.1), 160);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(thumbs.decodes(), 1u);
  // Another time in the same GOP: the same key frame, from the cache (the same bytes object).
  auto b = thumbs.Get("cam1", "main", At(3.9), 160);
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ(thumbs.decodes(), 1u);
  EXPECT_EQ(a->jpeg.get(), b->jpeg.get());
  EXPECT_EQ(a->etag, b->etag);
  // Another width is another picture.
  auto c = thumbs.Get("cam1", "main", At(2.1), 320);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(thumbs.decodes(), 2u);
  EXPECT_NE(a->etag, c->etag);
  EXPECT_GT(c->jpeg->size(), a->jpeg->size());
  EXPECT_EQ(thumbs.cache().size(), 2u);
  EXPECT_EQ(thumbs.cache().bytes(), a->jpeg->size() + c->jpeg->size());
}

TEST_F(ThumbnailsTest, NothingRecordedIsNotFound) {
  Thumbnails thumbs(*engine_, fs_);
  for (double s : {-5.0, 10.5, 3600.0}) {
    auto t = thumbs.Get("cam1", "", At(s), 160);
    ASSERT_FALSE(t) << s;
    EXPECT_EQ(t.error().code(), ErrorCode::kNotFound) << t.error().ToString();
  }
  auto sub = thumbs.Get("cam1", "sub", At(8.0), 160);  // only main has 8 s
  ASSERT_FALSE(sub);
  EXPECT_EQ(sub.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(sub.error().message().find("recorded nothing"), std::string::npos);
  auto cam = thumbs.Get("cam2", "", At(1.0), 160);
  ASSERT_FALSE(cam);
  EXPECT_EQ(cam.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(thumbs.decodes(), 0u);
}

TEST(ThumbnailCacheTest, EvictsLeastRecentlyUsedWithinTheByteBound) {
  ThumbnailCache cache(100);
  auto bytes = [](size_t n) { return std::make_shared<const std::vector<uint8_t>>(n, 1); };
  cache.Put({1, 0, 160}, bytes(40));
  cache.Put({1, 60, 160}, bytes(40));
  ASSERT_TRUE(cache.Get({1, 0, 160}));  // now the most recently used
  cache.Put({2, 0, 160}, bytes(40));    // 120 > 100: evicts {1, 60}
  EXPECT_TRUE(cache.Get({1, 0, 160}));
  EXPECT_FALSE(cache.Get({1, 60, 160}));
  EXPECT_TRUE(cache.Get({2, 0, 160}));
  EXPECT_EQ(cache.bytes(), 80u);
  cache.Put({2, 0, 160}, bytes(10));  // replaced, not counted twice
  EXPECT_EQ(cache.bytes(), 50u);
  cache.Put({3, 0, 160}, bytes(101));  // larger than the bound: not kept, evicts everything
  EXPECT_FALSE(cache.Get({3, 0, 160}));
  EXPECT_LE(cache.bytes(), 100u);
}

TEST_F(ThumbnailsTest, DecodesBeyondTheBoundAreRefused) {
  ThumbnailOptions o;
  o.max_decodes = 0;  // no slot ever: every decode waits queue_wait and is refused
  o.queue_wait = std::chrono::milliseconds(1);
  Thumbnails thumbs(*engine_, fs_, o);
  auto t = thumbs.Get("cam1", "main", At(1.0), 160);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code(), ErrorCode::kAborted);
}

}  // namespace
}  // namespace nightjar::app
