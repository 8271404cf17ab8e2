// Test-only: a storage engine in a temp dir (4 s recordings, no maintenance thread) that records
// the clips of tools/make_clips.sh (NIGHTJAR_CLIPS; tests skip without them) on a simulated
// clock, for the media_source and ts_export tests.
#ifndef NIGHTJAR_STORAGE_MEDIA_TEST_BASE_H_
#define NIGHTJAR_STORAGE_MEDIA_TEST_BASE_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/media_source.h"
#include "testutil/clip_feeder.h"
#include "testutil/temp_dir.h"

namespace nightjar::storage {

inline constexpr Time90k kT0 = Time90k::FromUnixSeconds(1'771'500'000);

class MediaTestBase : public ::testing::Test {
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

  // kT0 + `seconds`.
  static Time90k At(double seconds) {
    return kT0 + Duration90k(static_cast<int64_t>(seconds * kTicksPerSecond));
  }

  Result<MediaPlan> Plan(int64_t stream, double from, double to) {
    return PlanRangeLeased(*engine_, EngineCatalog(*engine_), fs_, stream, At(from), At(to));
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

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_MEDIA_TEST_BASE_H_
