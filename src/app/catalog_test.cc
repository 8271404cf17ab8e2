// The catalog over a real engine with recordings made through the recorder (simulated clock).
#include "app/catalog.h"

#include <gtest/gtest.h>

#include <atomic>

#include "base/clock.h"
#include "base/fs.h"
#include "testutil/sample_entry.h"
#include "testutil/temp_dir.h"

namespace nightjar::app {
namespace {

constexpr int64_t kFrame = 3000;  // 30 fps

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EngineOptions o;
    o.start_maintenance_thread = false;
    o.recording_duration = Duration90k::FromSeconds(10);
    auto e = storage::Engine::Open(fs_, clock_, tmp_ / "data", o);
    ASSERT_TRUE(e) << e.error().ToString();
    engine_ = std::move(*e);
    auto cam = engine_->EnsureCamera("cam1", "Front");
    ASSERT_TRUE(cam);
    auto stream = engine_->EnsureStream(*cam, db::StreamKind::kMain, int64_t{1} << 40);
    ASSERT_TRUE(stream);
    stream_ = *stream;
    const db::SampleEntryRow se = testutil::H264SampleEntry();
    auto entry = engine_->SampleEntry(se);
    ASSERT_TRUE(entry);
    entry_ = *entry;
  }
  // One connection's run of `seconds` of 30 fps video with a key frame every second.
  void RecordRun(int seconds) {
    auto rec = engine_->Record(stream_, 0);
    ASSERT_TRUE(rec);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    for (int64_t i = 0; i < int64_t{seconds} * 30; ++i) {
      media::Frame f;
      f.media_time = i * kFrame;
      f.key = i % 30 == 0;
      f.data = std::make_shared<std::vector<uint8_t>>(f.key ? 5000 : 500, uint8_t{7});
      (*rec)->recorder().OnFrame(f, clock_.Now());
      clock_.Advance(Duration90k(kFrame));
    }
    (*rec)->recorder().Flush(clock_.Now());
  }

  testutil::TempDir tmp_;
  PosixFs fs_;
  SimulatedClock clock_{Time90k::FromUnixSeconds(1'771'500'000)};
  std::unique_ptr<storage::Engine> engine_;
  int64_t stream_ = 0, entry_ = 0;
};

TEST_F(CatalogTest, RunsAndGapsAreTheSameForTheCliListingAndTheApi) {
  RecordRun(25);
  clock_.Advance(Duration90k::FromSeconds(30));  // a gap
  RecordRun(12);
  // Close the last recordings (the engine writes their rows on close).
  engine_.reset();
  auto e = storage::Engine::Open(fs_, clock_, tmp_ / "data", {});
  ASSERT_TRUE(e);
  engine_ = std::move(*e);

  auto listing = engine_->WithDb([&](db::Database& d) {
    return LoadListing(d, "cam1", db::StreamKind::kMain, std::nullopt, std::nullopt);
  });
  ASSERT_TRUE(listing) << listing.error().ToString();
  ASSERT_EQ(listing->runs.size(), 2u);
  EXPECT_GE(listing->recordings.size(), 4u);  // 10 s recordings

  Catalog catalog(*engine_);
  auto api = catalog.ListRecordings("cam1", "main", std::nullopt, std::nullopt);
  ASSERT_TRUE(api) << api.error().ToString();
  ASSERT_EQ(api->runs.size(), listing->runs.size());
  for (size_t i = 0; i < api->runs.size(); ++i) {
    EXPECT_EQ(api->runs[i].start, listing->runs[i].start);
    EXPECT_EQ(api->runs[i].end, listing->runs[i].end);
    EXPECT_EQ(api->runs[i].recordings, static_cast<int64_t>(listing->runs[i].count));
  }
  EXPECT_GE((api->runs[1].start - api->runs[0].end).ToSeconds(), 29.0);
  ASSERT_EQ(api->recordings.size(), listing->recordings.size());
  EXPECT_EQ(api->recordings[0].id, RecordingName(listing->recordings[0]));
  EXPECT_EQ(api->recordings[0].width, 1920u);

  auto spans = catalog.RecordingSpans("cam1", "main");
  ASSERT_TRUE(spans);
  EXPECT_EQ(spans->size(), api->recordings.size());
}

TEST_F(CatalogTest, UnknownCamerasAndStreamsNameWhatExists) {
  Catalog catalog(*engine_);
  auto r = catalog.ListRecordings("cam9", "main", std::nullopt, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find("known cameras: cam1"), std::string::npos);
  r = catalog.ListRecordings("cam1", "sub", std::nullopt, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("it has: main"), std::string::npos);
  EXPECT_FALSE(catalog.ListRecordings("cam1", "third", std::nullopt, std::nullopt));
}

// Rows inserted straight into the database: `n` recordings of `secs`, back to back from `start`,
// WRITTEN. Returns their ids.
std::vector<int64_t> AddRows(storage::Engine& e, int64_t stream, int64_t entry, Time90k start,
                             int n, int secs) {
  std::vector<int64_t> ids;
  e.WithDb([&](db::Database& d) {
    for (int i = 0; i < n; ++i) {
      db::RecordingRow row;
      row.stream_id = stream;
      row.start = start + Duration90k::FromSeconds(int64_t{secs} * i);
      row.video_sample_entry_id = entry;
      auto id = d.InsertRecording(row);
      ASSERT_TRUE(id) << id.error().ToString();
      db::RecordingUpdate u;
      u.composite_id = *id;
      u.wall_duration = u.media_duration = Duration90k::FromSeconds(secs);
      u.written_hash =
          db::MakeSampleFileHash(db::HashAlgorithm::kXxh3_128, std::vector<uint8_t>(16));
      ASSERT_TRUE(d.UpdateRecordings(std::span(&u, 1)));
      ids.push_back(*id);
    }
  });
  return ids;
}

// The cached days (app::Catalog) against the days added up from every span (the default).
void ExpectSameDays(Catalog& catalog, std::optional<int64_t> tz) {
  auto cached = catalog.RecordingDays("cam1", "main", tz);
  auto all = catalog.http::CatalogService::RecordingDays("cam1", "main", tz);
  ASSERT_TRUE(cached && all);
  ASSERT_EQ(cached->size(), all->size());
  for (size_t i = 0; i < all->size(); ++i) {
    const auto& a = (*cached)[i];
    const auto& b = (*all)[i];
    EXPECT_EQ(a.date, b.date);
    EXPECT_EQ(a.recorded, b.recorded) << a.date;
    EXPECT_EQ(a.recordings, b.recordings) << a.date;
    EXPECT_EQ(a.starts, b.starts) << a.date;
    EXPECT_EQ(a.first, b.first) << a.date;
    EXPECT_EQ(a.last, b.last) << a.date;
  }
}

TEST_F(CatalogTest, CachedDaysFollowNewRecordingsRetentionAndAnyOtherChange) {
  // Five days of 10-minute recordings starting at 21:00 UTC, one over each midnight.
  const Time90k t0 = Time90k::FromUnixSeconds(1'771'500'000 / 86400 * 86400 - 3 * 3600);
  auto ids = AddRows(*engine_, stream_, entry_, t0, 5 * 144, 600);
  Catalog catalog(*engine_);
  for (int round = 0; round < 2; ++round) {  // the first reads everything, the second the cache
    ExpectSameDays(catalog, 0);
    ExpectSameDays(catalog, 3600 * 5 + 1800);
    ExpectSameDays(catalog, std::nullopt);
  }
  // New recordings at the end (the part read at every call).
  auto more = AddRows(*engine_, stream_, entry_, t0 + Duration90k::FromSeconds(int64_t{5} * 86400),
                      30, 600);
  ExpectSameDays(catalog, 0);
  // Retention: the oldest recordings go, a day and a half of them.
  std::vector<int64_t> oldest(ids.begin(), ids.begin() + 216);
  engine_->WithDb([&](db::Database& d) {
    ASSERT_TRUE(d.MarkDeleting(oldest));
    ExpectSameDays(catalog, 0);  // DELETING rows are left out
    ASSERT_TRUE(d.DeleteRecordingRows(oldest));
  });
  ExpectSameDays(catalog, 0);
  ExpectSameDays(catalog, 3600 * 5 + 1800);
  // A recording in the middle goes (not the oldest): everything is read again.
  std::vector<int64_t> middle = {ids[400]};
  engine_->WithDb([&](db::Database& d) {
    ASSERT_TRUE(d.MarkDeleting(middle));
    ASSERT_TRUE(d.DeleteRecordingRows(middle));
  });
  ExpectSameDays(catalog, 0);
  ExpectSameDays(catalog, std::nullopt);
}

TEST_F(CatalogTest, WarmingReadsTheDaysOfEveryStreamInTheLocalZone) {
  const Time90k t0 = Time90k::FromUnixSeconds(1'771'500'000 / 86400 * 86400 - 3 * 3600);
  AddRows(*engine_, stream_, entry_, t0, 3 * 144, 600);
  auto cam = engine_->EnsureCamera("cam1", "Front");
  ASSERT_TRUE(cam);
  auto sub = engine_->EnsureStream(*cam, db::StreamKind::kSub, int64_t{1} << 40);
  ASSERT_TRUE(sub);
  AddRows(*engine_, *sub, entry_, t0, 10, 60);
  Catalog catalog(*engine_);
  EXPECT_EQ(catalog.WarmDays(std::atomic<bool>(true)), 0u);  // asked to stop before the first
  EXPECT_EQ(catalog.WarmDays(std::atomic<bool>(false)), 2u);
  // The warmed cache answers as the plain sum does, and follows what comes after.
  ExpectSameDays(catalog, std::nullopt);
  AddRows(*engine_, stream_, entry_, t0 + Duration90k::FromSeconds(int64_t{3} * 86400), 30, 600);
  ExpectSameDays(catalog, std::nullopt);
  ExpectSameDays(catalog, 0);
}

}  // namespace
}  // namespace nightjar::app
