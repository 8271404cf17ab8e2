// `nightjar check` (storage::Check) over a data directory the engine recorded, then damaged the
// ways a disk or a hand can: every kind of damage is reported once, naming the recording or the
// file, and nothing else is.
#include "storage/check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "db/sqlite.h"
#include "storage/engine.h"
#include "storage/sample_dir.h"
#include "testutil/sample_entry.h"
#include "testutil/temp_dir.h"

namespace nightjar::storage {
namespace {

constexpr int64_t kFrame = 3000;  // 30 fps

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.start_maintenance_thread = false;
    o.recording_duration = Duration90k::FromSeconds(10);
    auto e = Engine::Open(fs_, clock_, Data(), o);
    ASSERT_TRUE(e) << e.error().ToString();
    auto cam = (*e)->EnsureCamera("cam1", "Front");
    ASSERT_TRUE(cam);
    auto stream = (*e)->EnsureStream(*cam, db::StreamKind::kMain, int64_t{1} << 40);
    ASSERT_TRUE(stream);
    stream_ = *stream;
    const db::SampleEntryRow se = testutil::H264SampleEntry();
    auto entry = (*e)->SampleEntry(se);
    ASSERT_TRUE(entry);
    // 55 s of 30 fps video, a key frame every second: six recordings of up to 10 s.
    auto rec = (*e)->Record(stream_, 0);
    ASSERT_TRUE(rec);
    (*rec)->recorder().SetVideoSampleEntry(*entry);
    for (int64_t i = 0; i < int64_t{55} * 30; ++i) {
      media::Frame f;
      f.media_time = i * kFrame;
      f.key = i % 30 == 0;
      f.data = std::make_shared<std::vector<uint8_t>>(f.key ? 5000 : 500, uint8_t(i));
      (*rec)->recorder().OnFrame(f, clock_.Now());
      clock_.Advance(Duration90k(kFrame));
    }
    (*rec)->recorder().Flush(clock_.Now());
    rec->reset();
    e->reset();  // writers finish, a clean shutdown
    auto conn = db::Connection::Open(Data() + "/nightjar.db", db::Connection::Mode::kReadOnly);
    ASSERT_TRUE(conn);
    auto stmt = (*conn)->Prepare("SELECT composite_id FROM recording ORDER BY start_90k");
    ASSERT_TRUE(stmt);
    while (*stmt->Step()) ids_.push_back(stmt->ColumnInt(0));
  }

  std::string Data() const { return tmp_ / "data"; }
  std::string PathOf(int64_t id) const { return Data() + "/sample/" + SampleFileDir::FileName(id); }
  void Sql(const std::string& sql) {
    auto conn = db::Connection::Open(Data() + "/nightjar.db", db::Connection::Mode::kReadWrite);
    ASSERT_TRUE(conn) << conn.error().ToString();
    auto ok = (*conn)->Exec(sql);
    ASSERT_TRUE(ok) << ok.error().ToString();
  }
  CheckReport Run() {
    auto report = Check(fs_, clock_, Data(), CheckOptions{});
    EXPECT_TRUE(report) << report.error().ToString();
    return report ? *report : CheckReport{};
  }

  testutil::TempDir tmp_;
  PosixFs fs_;
  SimulatedClock clock_{Time90k::FromUnixSeconds(1'771'500'000)};
  int64_t stream_ = 0;
  std::vector<int64_t> ids_;  // the recordings, by start
};

// The problems that mention `what`.
std::vector<std::string> About(const CheckReport& r, const std::string& what) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) {
    if (p.find(what) != std::string::npos) out.push_back(p);
  }
  return out;
}

TEST_F(CheckTest, CleanDirectoryHasNoProblems) {
  ASSERT_EQ(ids_.size(), 6u);
  CheckReport r = Run();
  EXPECT_TRUE(r.ok()) << testing::PrintToString(r.problems);
  EXPECT_EQ(r.recordings, 6);
  EXPECT_EQ(r.files, 6);
}

TEST_F(CheckTest, EveryKindOfDamageIsReportedOnceAndNamesItsRecording) {
  ASSERT_EQ(ids_.size(), 6u);
  // ids_[2] is being deleted: left out of the listing, its index row still in the table (passed
  // over by the walk that pairs rows with index rows).
  {
    EngineOptions o;
    o.start_maintenance_thread = false;
    auto e = Engine::Open(fs_, clock_, Data(), o);
    ASSERT_TRUE(e) << e.error().ToString();
    (*e)->WithDb([&](db::Database& d) { ASSERT_TRUE(d.MarkDeleting(std::vector{ids_[2]})); });
  }
  const std::string id0 = std::to_string(ids_[0]), id1 = std::to_string(ids_[1]);
  Sql("DELETE FROM recording_index WHERE composite_id = " + id0);
  Sql("UPDATE recording SET video_samples = video_samples + 1 WHERE composite_id = " + id1);
  std::filesystem::resize_file(PathOf(ids_[3]), std::filesystem::file_size(PathOf(ids_[3])) - 1);
  std::filesystem::remove(PathOf(ids_[4]));
  const int64_t stray = db::CompositeId(stream_, 999);
  std::ofstream(PathOf(stray)) << "not a recording";

  CheckReport r = Run();
  auto name = [](int64_t id) { return SampleFileDir::FileName(id); };
  EXPECT_EQ(About(r, name(ids_[0])).size(), 1u) << testing::PrintToString(r.problems);
  EXPECT_EQ(About(r, "no index row").size(), 1u);
  EXPECT_EQ(About(r, name(ids_[1])).size(), 1u);
  EXPECT_EQ(About(r, "index has").size(), 1u);
  EXPECT_EQ(About(r, name(ids_[3])).size(), 1u);
  EXPECT_EQ(About(r, "bytes, row says").size(), 1u);
  EXPECT_EQ(About(r, name(ids_[4])).size(), 1u);
  EXPECT_EQ(About(r, "sample file missing").size(), 1u);
  EXPECT_EQ(About(r, name(stray)).size(), 1u);
  EXPECT_EQ(About(r, "no recording names this file").size(), 1u);
  EXPECT_TRUE(About(r, name(ids_[2])).empty());
  EXPECT_TRUE(About(r, name(ids_[5])).empty());
  // Five problems in all (the row that says a frame more disagrees with its index only about
  // the counts, not the bytes).
  EXPECT_EQ(r.problems.size(), 5u) << testing::PrintToString(r.problems);
  EXPECT_EQ(r.recordings, 5);  // the one being deleted is a note
  bool deleting_noted = false;
  for (const auto& n : r.notes) deleting_noted |= n.find(name(ids_[2])) != std::string::npos;
  EXPECT_TRUE(deleting_noted) << testing::PrintToString(r.notes);
}

}  // namespace
}  // namespace nightjar::storage
