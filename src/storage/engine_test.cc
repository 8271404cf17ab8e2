#include "storage/engine.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "base/clock.h"
#include "base/fault_fs.h"
#include "mp4/demux.h"
#include "storage/file_hash.h"
#include "testutil/sample_entry.h"
#include "testutil/temp_dir.h"

namespace nightjar::storage {
namespace {

constexpr int64_t kFrame = 3000;  // 30 fps
constexpr int64_t kFps = 30;

// A synthetic stream: 2 s GOPs, key frames ~60 kB, others ~6 kB, deterministic contents.
struct Synthetic {
  std::mt19937 rng{42};
  std::vector<Bytes> fed;
  Frame Next(int64_t i) {
    Frame f;
    f.track = Track::kVideo;
    f.media_time = i * kFrame;
    f.key = i % 60 == 0;
    size_t n = (f.key ? 60000 : 6000) + rng() % 1000;
    auto data = std::make_shared<std::vector<uint8_t>>(n);
    for (auto& b : *data) b = static_cast<uint8_t>(rng());
    f.data = data;
    fed.push_back(data);
    return f;
  }
};

class EngineTest : public ::testing::Test {
 protected:
  EngineOptions Options() {
    EngineOptions o;
    o.start_maintenance_thread = false;
    return o;
  }
  std::unique_ptr<Engine> OpenEngine() {
    auto e = Engine::Open(fs_, clock_, tmp_ / "data", Options());
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? std::move(*e) : nullptr;
  }
  int64_t SetUpStream(Engine& e, int64_t retain_bytes) {
    auto cam = e.EnsureCamera("cam1", "Front door");
    EXPECT_TRUE(cam);
    auto stream = e.EnsureStream(*cam, db::StreamKind::kMain, retain_bytes);
    EXPECT_TRUE(stream);
    const db::SampleEntryRow se = testutil::H264SampleEntry();
    auto entry = e.SampleEntry(se);
    EXPECT_TRUE(entry) << entry.error().ToString();
    entry_ = *entry;
    return *stream;
  }
  void Feed(Recorder& r, Synthetic& s, int64_t from, int64_t count) {
    for (int64_t i = from; i < from + count; ++i) {
      r.OnFrame(s.Next(i), clock_.Now());
      clock_.Advance(Duration90k(kFrame));
    }
  }

  testutil::TempDir tmp_;
  PosixFs fs_;
  SimulatedClock clock_{Time90k::FromUnixSeconds(1'771'500'000)};
  int64_t entry_ = 0;
};

TEST_F(EngineTest, RecordsWholeRecordingsThatMatchWhatWasFed) {
  Synthetic syn;
  int64_t stream;
  {
    auto e = OpenEngine();
    ASSERT_TRUE(e);
    stream = SetUpStream(*e, 1LL << 40);
    auto rec = e->Record(stream, 0);
    ASSERT_TRUE(rec);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    Feed((*rec)->recorder(), syn, 0, kFps * 130);  // 130 s
    ASSERT_TRUE(e->Checkpoint());
    (*rec)->recorder().Flush(clock_.Now());
  }
  auto e = OpenEngine();  // clean reopen: nothing to recover
  ASSERT_TRUE(e);
  EXPECT_EQ(e->recovery().recovered_from_checkpoint, 0);
  EXPECT_TRUE(e->recovery().unknown_files.empty());
  auto rows = e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  size_t frame = 0;
  for (const auto& r : *rows) {
    EXPECT_EQ(r.state, db::RecordingState::kWritten);
    ASSERT_TRUE(r.sample_file_hash);
    auto index = e->WithDb([&](db::Database& d) { return d.GetRecordingIndex(r.composite_id); });
    ASSERT_TRUE(index);
    // The file is exactly the fed frames, in order, as the index describes them.
    std::string file = *ReadFileToString(
        fs_, tmp_ / ("data/sample/" + SampleFileDir::FileName(r.composite_id)), 1 << 30);
    EXPECT_EQ(static_cast<int64_t>(file.size()), r.sample_file_bytes);
    db::VideoIndexIterator it(index->video_index, false);
    size_t offset = 0;
    while (*it.Next()) {
      const auto& want = *syn.fed[frame++];
      ASSERT_EQ(it.sample().bytes, static_cast<int64_t>(want.size()));
      ASSERT_EQ(0, std::memcmp(file.data() + offset, want.data(), want.size()));
      offset += want.size();
    }
    FileHasher h(r.sample_file_hash->algorithm);
    h.Update(std::span(reinterpret_cast<const uint8_t*>(file.data()), file.size()));
    EXPECT_EQ(h.Final(), *r.sample_file_hash);
  }
  EXPECT_EQ(frame, syn.fed.size());
  EXPECT_EQ((*rows)[0].media_duration, Duration90k::FromSeconds(60));
  EXPECT_EQ((*rows)[1].run_start_id, (*rows)[0].composite_id);
  EXPECT_EQ((*rows)[1].start, (*rows)[0].end());
  EXPECT_TRUE((*rows)[2].flags & db::kRecordingRunEnd);
}

// A reconnect's first frame can arrive before the previous session's run ends (the estimated
// duration of its last frame): the new session's run starts at that end, within this process
// and after a restart (the end read from the database).
TEST_F(EngineTest, ASessionsRunStartsNoEarlierThanThePreviousOnesEnd) {
  Synthetic syn;
  auto e = OpenEngine();
  ASSERT_TRUE(e);
  const int64_t stream = SetUpStream(*e, 1LL << 40);
  auto session = [&](int64_t frames) {
    auto rec = e->Record(stream, 0);
    ASSERT_TRUE(rec);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    Feed((*rec)->recorder(), syn, 0, frames);
    (*rec)->recorder().Flush(clock_.Now());
  };
  session(kFps * 4);
  clock_.SetWall(clock_.Now() - Duration90k(kFrame / 3));  // 11 ms before the run's end
  session(kFps * 4);
  e.reset();
  clock_.SetWall(clock_.Now() - Duration90k(kFrame / 3));
  e = OpenEngine();
  ASSERT_TRUE(e);
  session(kFps * 4);
  e.reset();  // the writer inserts and closes rows on its own thread: drained here
  e = OpenEngine();
  ASSERT_TRUE(e);
  auto rows = e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  for (size_t i = 1; i < rows->size(); ++i) {
    EXPECT_EQ((*rows)[i].run_start_id, (*rows)[i].composite_id) << i;
    EXPECT_EQ((*rows)[i].start, (*rows)[i - 1].end()) << i;
  }
}

TEST_F(EngineTest, RetentionDeletesOldestFirstAndSparesLeases) {
  auto e = OpenEngine();
  ASSERT_TRUE(e);
  // A budget far below one recording (~14 MB each): everything WRITTEN and unleased goes.
  int64_t stream = SetUpStream(*e, 3'500'000);
  EngineOptions o;
  auto rec = e->Record(stream, 0);
  ASSERT_TRUE(rec);
  (*rec)->recorder().SetVideoSampleEntry(entry_);
  Synthetic syn;
  Feed((*rec)->recorder(), syn, 0, kFps * 125);  // 2 full recordings + part of a third
  auto rows = [&] {
    return *e->WithDb([&](db::Database& d) {
      return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
    });
  };
  ASSERT_TRUE(e->Checkpoint());
  auto before = rows();
  ASSERT_EQ(before.size(), 3u);
  {
    auto lease = e->LeaseRecordings({before[0].composite_id});
    ASSERT_TRUE(e->ApplyRetention());
    auto during = rows();
    // The oldest is leased, so the next one went instead.
    ASSERT_EQ(during.size(), 2u);
    EXPECT_EQ(during[0].composite_id, before[0].composite_id);
    EXPECT_EQ(during[1].composite_id, before[2].composite_id);
  }
  ASSERT_TRUE(e->ApplyRetention());
  auto after = rows();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].composite_id, before[2].composite_id);
  EXPECT_FALSE(
      *fs_.Exists(tmp_ / ("data/sample/" + SampleFileDir::FileName(before[0].composite_id))));
  EXPECT_EQ(e->deleted_by_retention(), 2);
  // Counted per stream too (the Storage page's "deleted by retention").
  const auto by_stream = e->RetentionDeletionsByStream();
  ASSERT_EQ(by_stream.count(stream), 1u);
  EXPECT_EQ(by_stream.at(stream).recordings, 2);
  EXPECT_EQ(by_stream.at(stream).recordings_24h, 2);
  EXPECT_EQ(by_stream.at(stream).bytes, before[0].sample_file_bytes + before[1].sample_file_bytes);
  EXPECT_EQ(by_stream.at(stream).bytes, e->deleted_bytes_by_retention());
  (*rec)->recorder().Flush(clock_.Now());
}

TEST_F(EngineTest, KeepsMinimumFreeSpace) {
  EngineOptions o = Options();
  o.min_free_bytes = 1ULL << 62;  // more than any disk: every finished recording must go
  auto opened = Engine::Open(fs_, clock_, tmp_ / "data", o);
  ASSERT_TRUE(opened);
  auto& e = *opened;
  int64_t stream = SetUpStream(*e, 1LL << 40);  // the byte budget alone would keep everything
  auto rec = e->Record(stream, 0);
  (*rec)->recorder().SetVideoSampleEntry(entry_);
  Synthetic syn;
  Feed((*rec)->recorder(), syn, 0, kFps * 125);
  ASSERT_TRUE(e->Checkpoint());
  ASSERT_TRUE(e->ApplyRetention());
  auto rows = *e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  ASSERT_EQ(rows.size(), 1u);  // only the one being written remains
  EXPECT_EQ(rows[0].state, db::RecordingState::kWriting);
  EXPECT_EQ(e->deleted_by_retention(), 2);
  (*rec)->recorder().Flush(clock_.Now());
}

TEST_F(EngineTest, InterleavesAudioInChunks) {
  auto e = OpenEngine();
  ASSERT_TRUE(e);
  int64_t stream = SetUpStream(*e, 1LL << 40);
  auto rec = e->Record(stream, 48000);
  ASSERT_TRUE(rec);
  Recorder& r = (*rec)->recorder();
  r.SetVideoSampleEntry(entry_);
  r.SetAudioSampleEntry(entry_);  // any id: the index does not care which
  Synthetic syn;
  std::vector<std::pair<Track, Bytes>> order;  // as the file must hold them
  int64_t audio_t = 0;
  for (int64_t i = 0; i < 90; ++i) {
    r.OnFrame(syn.Next(i), clock_.Now());
    // ~1.4 AAC frames of 1024 samples per video frame at 48 kHz.
    while (audio_t * 90000 / 48000 < (i + 1) * kFrame) {
      Frame a;
      a.track = Track::kAudio;
      a.media_time = audio_t;
      a.data = std::make_shared<std::vector<uint8_t>>(200 + audio_t % 7, 0xaa);
      r.OnFrame(a, clock_.Now());
      audio_t += 1024;
    }
    clock_.Advance(Duration90k(kFrame));
  }
  r.Flush(clock_.Now());
  ASSERT_TRUE(e->Checkpoint());
  auto rows = *e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  ASSERT_EQ(rows.size(), 1u);
  // Wait for the close to land (it runs on the writer thread).
  for (int i = 0; i < 200 && rows[0].state != db::RecordingState::kWritten; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rows = *e->WithDb([&](db::Database& d) {
      return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
    });
  }
  const auto& row = rows[0];
  EXPECT_EQ(row.video_samples, 90);
  EXPECT_GT(row.audio_samples, 120);
  auto index = *e->WithDb([&](db::Database& d) { return d.GetRecordingIndex(row.composite_id); });
  ASSERT_TRUE(index.chunk_index);
  ASSERT_TRUE(index.audio_index);
  auto chunks = db::SummarizeChunkIndex(*index.chunk_index);
  ASSERT_TRUE(chunks);
  EXPECT_EQ(chunks->video_samples, 90);
  EXPECT_EQ(chunks->audio_samples, row.audio_samples);
  EXPECT_GT(chunks->chunks, 100);  // interleaved, not two big blocks
  auto audio = db::SummarizeAudioIndex(*index.audio_index);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->duration, 1024 * row.audio_samples);
  auto video = db::SummarizeVideoIndex(index.video_index, false);
  EXPECT_EQ(video->bytes + audio->bytes, row.sample_file_bytes);
}

// The H.264 + AAC clip, fed as ingest would (decode order, tracks interleaved by time): the
// sample file must hold exactly the clip's samples, in the order the chunk index says.
TEST_F(EngineTest, RecordsTheAacClip) {
  const char* clips = std::getenv("NIGHTJAR_CLIPS");
  if (!clips || !*fs_.Exists(std::string(clips) + "/audio.mp4")) {
    GTEST_SKIP() << "no clips (tools/make_clips.sh)";
  }
  std::string bytes = *ReadFileToString(fs_, std::string(clips) + "/audio.mp4", 1 << 30);
  std::span<const uint8_t> file(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto demuxed = mp4::DemuxMp4(file);
  ASSERT_TRUE(demuxed);
  const mp4::DemuxedTrack *video = nullptr, *audio = nullptr;
  for (const auto& t : demuxed->tracks) {
    if (t.kind == mp4::DemuxedTrack::Kind::kVideo) video = &t;
    if (t.kind == mp4::DemuxedTrack::Kind::kAudio) audio = &t;
  }
  ASSERT_TRUE(video && audio);
  struct In {
    double t;
    Frame f;
  };
  std::vector<In> in;
  for (const auto& s : video->samples) {
    Frame f;
    f.media_time = s.dts * 90000 / video->timescale;
    f.key = s.key;
    auto d = file.subspan(s.offset, s.size);
    f.data = std::make_shared<std::vector<uint8_t>>(d.begin(), d.end());
    in.push_back({static_cast<double>(s.dts) / video->timescale, f});
  }
  for (const auto& s : audio->samples) {
    Frame f;
    f.track = Track::kAudio;
    f.media_time = s.dts * audio->sample_rate / audio->timescale;
    auto d = file.subspan(s.offset, s.size);
    f.data = std::make_shared<std::vector<uint8_t>>(d.begin(), d.end());
    in.push_back({static_cast<double>(s.dts) / audio->timescale, f});
  }
  std::stable_sort(in.begin(), in.end(), [](const In& a, const In& b) { return a.t < b.t; });

  auto e = OpenEngine();
  int64_t stream = SetUpStream(*e, 1LL << 40);
  auto rec = e->Record(stream, audio->sample_rate);
  Recorder& r = (*rec)->recorder();
  r.SetVideoSampleEntry(entry_);
  r.SetAudioSampleEntry(entry_);
  for (const In& x : in)
    r.OnFrame(x.f, clock_.Now() + Duration90k::FromMillis(static_cast<int64_t>(x.t * 1000)));
  r.Flush(clock_.Now() + Duration90k::FromSeconds(10));
  e.reset();
  e = OpenEngine();
  auto rows = *e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row.video_samples, static_cast<int64_t>(video->samples.size()));
  // Audio before the first key frame is dropped; the rest is all there.
  EXPECT_GE(row.audio_samples, static_cast<int64_t>(audio->samples.size()) - 2);
  auto index = *e->WithDb([&](db::Database& d) { return d.GetRecordingIndex(row.composite_id); });
  ASSERT_TRUE(index.chunk_index);
  std::string stored = *ReadFileToString(
      fs_, tmp_ / ("data/sample/" + SampleFileDir::FileName(row.composite_id)), 1 << 30);
  db::ChunkIndexIterator chunks(*index.chunk_index);
  size_t vi = 0, ai = audio->samples.size() - static_cast<size_t>(row.audio_samples), off = 0;
  while (*chunks.Next()) {
    for (int64_t k = 0; k < chunks.chunk().samples; ++k) {
      const auto& s =
          chunks.chunk().track == db::Track::kVideo ? video->samples[vi++] : audio->samples[ai++];
      ASSERT_LE(off + s.size, stored.size());
      ASSERT_EQ(0, std::memcmp(stored.data() + off, bytes.data() + s.offset, s.size));
      off += s.size;
    }
  }
  EXPECT_EQ(off, stored.size());
}

TEST_F(EngineTest, DiskFullKeepsWhatWasDurable) {
  FaultFs faulty(fs_);
  EngineOptions o = Options();
  auto opened = Engine::Open(faulty, clock_, tmp_ / "data", o);
  ASSERT_TRUE(opened);
  auto& e = *opened;
  int64_t stream = SetUpStream(*e, 1LL << 40);
  auto rec = e->Record(stream, 0);
  Recorder& r = (*rec)->recorder();
  r.SetVideoSampleEntry(entry_);
  Synthetic syn;
  Feed(r, syn, 0, 300);  // 10 s
  ASSERT_TRUE(e->Checkpoint());
  faulty.SetWriteBudget(faulty.BytesWritten() + 500'000);  // the disk fills up
  Feed(r, syn, 300, 300);
  (void)e->Checkpoint();
  r.Flush(clock_.Now());
  e.reset();  // orderly shutdown: the close trims the recording to its durable prefix
  faulty.ClearFaults();
  auto e2 = OpenEngine();
  ASSERT_TRUE(e2);
  auto rows = *e2->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, db::RecordingState::kWritten);
  EXPECT_GE(rows[0].video_samples, 299);  // all but the held-back frame before the disk filled
  EXPECT_LT(rows[0].video_samples, 600);
  // The file holds exactly the frames the row describes.
  std::string file = *ReadFileToString(
      fs_, tmp_ / ("data/sample/" + SampleFileDir::FileName(rows[0].composite_id)), 1 << 30);
  EXPECT_EQ(static_cast<int64_t>(file.size()), rows[0].sample_file_bytes);
  size_t offset = 0;
  for (int64_t i = 0; i < rows[0].video_samples; ++i) {
    ASSERT_EQ(0, std::memcmp(file.data() + offset, syn.fed[i]->data(), syn.fed[i]->size()));
    offset += syn.fed[i]->size();
  }
}

TEST_F(EngineTest, DatabaseRestoredFromOlderBackupTouchesNoFile) {
  Synthetic syn;
  int64_t stream;
  {
    auto e = OpenEngine();
    stream = SetUpStream(*e, 1LL << 40);
    auto rec = e->Record(stream, 0);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    Feed((*rec)->recorder(), syn, 0, kFps * 70);
    (*rec)->recorder().Flush(clock_.Now());
  }
  // Back up the database (closed, so WAL is checkpointed into the main file).
  std::filesystem::copy_file(tmp_ / "data/nightjar.db", tmp_ / "backup.db");
  {
    auto e = OpenEngine();
    auto rec = e->Record(stream, 0);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    Feed((*rec)->recorder(), syn, kFps * 70, kFps * 70);
    (*rec)->recorder().Flush(clock_.Now());
  }
  auto files_before = std::filesystem::directory_iterator(tmp_ / "data/sample");
  size_t n_before = std::distance(files_before, {});
  std::filesystem::remove(tmp_ / "data/nightjar.db-wal");
  std::filesystem::remove(tmp_ / "data/nightjar.db-shm");
  std::filesystem::copy_file(tmp_ / "backup.db", tmp_ / "data/nightjar.db",
                             std::filesystem::copy_options::overwrite_existing);
  auto e = OpenEngine();
  ASSERT_TRUE(e);
  // The newer recordings' files are reported, never deleted.
  EXPECT_EQ(e->recovery().unknown_files.size(), 2u);
  auto files_after = std::filesystem::directory_iterator(tmp_ / "data/sample");
  EXPECT_EQ(static_cast<size_t>(std::distance(files_after, {})), n_before);
  // New recordings never reuse their names: ids continue past the files that exist.
  // which would collide, so the engine must skip ids whose files exist.
  auto rec = e->Record(stream, 0);
  (*rec)->recorder().SetVideoSampleEntry(entry_);
  Feed((*rec)->recorder(), syn, kFps * 140, kFps * 10);
  (*rec)->recorder().Flush(clock_.Now());
  ASSERT_TRUE(e->Checkpoint());
  auto rows = *e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  EXPECT_EQ(rows.size(), 3u);
}

// As `nightjar run` opens it (the listing after the start): the probe alone keeps new ids past
// the newer database's files, and the scan then reports them.
TEST_F(EngineTest, RestoredDatabaseIdsContinueBeforeTheBackgroundScan) {
  Synthetic syn;
  int64_t stream;
  {
    auto e = OpenEngine();
    stream = SetUpStream(*e, 1LL << 40);
    auto rec = e->Record(stream, 0);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    Feed((*rec)->recorder(), syn, 0, kFps * 70);
    (*rec)->recorder().Flush(clock_.Now());
  }
  // Back up the database (closed, so WAL is checkpointed into the main file).
  std::filesystem::copy_file(tmp_ / "data/nightjar.db", tmp_ / "backup.db");
  {
    auto e = OpenEngine();
    auto rec = e->Record(stream, 0);
    (*rec)->recorder().SetVideoSampleEntry(entry_);
    Feed((*rec)->recorder(), syn, kFps * 70, kFps * 70);
    (*rec)->recorder().Flush(clock_.Now());
  }
  auto files_before = std::filesystem::directory_iterator(tmp_ / "data/sample");
  size_t n_before = std::distance(files_before, {});
  std::filesystem::remove(tmp_ / "data/nightjar.db-wal");
  std::filesystem::remove(tmp_ / "data/nightjar.db-shm");
  std::filesystem::copy_file(tmp_ / "backup.db", tmp_ / "data/nightjar.db",
                             std::filesystem::copy_options::overwrite_existing);
  EngineOptions o = Options();
  o.file_scan = EngineOptions::FileScan::kInBackground;
  auto opened = Engine::Open(fs_, clock_, tmp_ / "data", o);
  ASSERT_TRUE(opened) << opened.error().ToString();
  auto& e = *opened;
  EXPECT_TRUE(e->recovery().unknown_files.empty());  // the scan logs them instead
  auto files_after = std::filesystem::directory_iterator(tmp_ / "data/sample");
  EXPECT_EQ(static_cast<size_t>(std::distance(files_after, {})), n_before);
  // New recordings never reuse their names: ids continue past the files that exist.
  // which would collide, so the engine must skip ids whose files exist.
  auto rec = e->Record(stream, 0);
  (*rec)->recorder().SetVideoSampleEntry(entry_);
  Feed((*rec)->recorder(), syn, kFps * 140, kFps * 10);
  (*rec)->recorder().Flush(clock_.Now());
  ASSERT_TRUE(e->Checkpoint());
  auto rows = *e->WithDb([&](db::Database& d) {
    return d.ListRecordings(stream, Time90k(0), Time90k(INT64_MAX / 4));
  });
  EXPECT_EQ(rows.size(), 3u);
  auto unknown = e->ScanUnknownFiles();
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->size(), 2u);
}

TEST_F(EngineTest, RefusesAnotherDatabasesDirectory) {
  { ASSERT_TRUE(OpenEngine()); }
  // A second data dir whose database is new but points at the first one's sample directory.
  EngineOptions o = Options();
  o.dirs = {tmp_ / "data/sample"};
  auto other = Engine::Open(fs_, clock_, tmp_ / "other", o);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace nightjar::storage
