// Database: recordings and their lifecycle (docs/schema.md §Recording lifecycle).
#include <gtest/gtest.h>

#include <vector>

#include "db/database.h"
#include "db/database_internal.h"
#include "db/sqlite.h"
#include "db/test_util.h"
#include "db/video_index.h"

namespace nightjar::db {
namespace {

constexpr Time90k kT0 = Time90k::FromUnixSeconds(1'771'500'000);
constexpr Duration90k kMinute = Duration90k::FromSeconds(60);

class RecordingsTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    OpenDb();
    camera_ = *db_->InsertCamera({.short_name = "cam"});
    stream_ = *db_->InsertStream({.camera_id = camera_, .kind = StreamKind::kMain});
    other_stream_ = *db_->InsertStream({.camera_id = camera_, .kind = StreamKind::kSub});
    entry_ = *db_->InsertOrGetSampleEntry({.codec = "avc1.640028"});
  }

  RecordingRow Row(Time90k start, Duration90k wall, int64_t stream = 0) {
    return {.stream_id = stream == 0 ? stream_ : stream,
            .start = start,
            .wall_duration = wall,
            .media_duration = wall,
            .video_samples = wall.ticks() / 3000,
            .video_sync_samples = wall.ticks() > 0 ? 1 : 0,
            .sample_file_bytes = wall.ticks(),
            .video_sample_entry_id = entry_};
  }

  int64_t Insert(Time90k start, Duration90k wall, int64_t stream = 0) {
    auto id = db_->InsertRecording(Row(start, wall, stream));
    EXPECT_TRUE(id.has_value()) << id.error().ToString();
    return id.value_or(0);
  }

  // Closes a WRITING recording (WRITTEN with a hash), keeping its totals.
  void Close(int64_t id) {
    RecordingRow row = *db_->GetRecording(id);
    RecordingUpdate u{
        .composite_id = id,
        .flags = row.flags,
        .wall_duration = row.wall_duration,
        .media_duration = row.media_duration,
        .video_samples = row.video_samples,
        .video_sync_samples = row.video_sync_samples,
        .sample_file_bytes = row.sample_file_bytes,
        .written_hash = MakeSampleFileHash(HashAlgorithm::kXxh3_128, std::vector<uint8_t>(16))};
    NJ_ASSERT_OK(db_->UpdateRecordings(std::span<const RecordingUpdate>(&u, 1)));
  }

  std::vector<int64_t> Ids(const Result<std::vector<RecordingRow>>& rows) {
    std::vector<int64_t> ids;
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    if (rows) {
      for (const RecordingRow& r : *rows) ids.push_back(r.composite_id);
    }
    return ids;
  }

  int64_t camera_ = 0, stream_ = 0, other_stream_ = 0, entry_ = 0;
};

TEST_F(RecordingsTest, InsertAssignsCompositeIdsAndBumpsNextId) {
  VideoIndexEncoder enc;
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 1000, true));
  RecordingRow row = Row(kT0, Duration90k(3000));
  row.state = RecordingState::kWritten;  // ignored: new rows are WRITING
  row.sample_file_hash = MakeSampleFileHash(HashAlgorithm::kXxh3_128, std::vector<uint8_t>(16, 1));
  auto first = db_->InsertRecording(row, {.video_index = enc.bytes()});
  NJ_ASSERT_OK(first);
  EXPECT_EQ(*first, CompositeId(stream_, 1));
  RecordingRow second_row = Row(kT0 + kMinute, kMinute);
  second_row.run_start_id = *first;
  second_row.flags = kRecordingRunEnd;
  auto second = db_->InsertRecording(second_row);
  NJ_ASSERT_OK(second);
  EXPECT_EQ(*second, CompositeId(stream_, 2));
  EXPECT_EQ(db_->GetStream(stream_)->next_recording_id, 3);
  EXPECT_EQ(db_->GetStream(other_stream_)->next_recording_id, 1);

  auto got = db_->GetRecording(*first);
  NJ_ASSERT_OK(got);
  EXPECT_EQ(got->stream_id, stream_);
  EXPECT_EQ(got->state, RecordingState::kWriting);
  EXPECT_EQ(got->run_start_id, *first);  // 0 meant "starts a run"
  EXPECT_EQ(got->open_id, db_->open_id());
  EXPECT_EQ(got->start, kT0);
  EXPECT_EQ(got->end(), kT0 + Duration90k(3000));
  EXPECT_EQ(got->video_samples, 1);
  EXPECT_EQ(got->sample_file_hash, std::nullopt);
  auto index = db_->GetRecordingIndex(*first);
  NJ_ASSERT_OK(index);
  EXPECT_EQ(index->video_index, enc.bytes());
  EXPECT_EQ(index->audio_index, std::nullopt);
  auto second_got = db_->GetRecording(*second);
  EXPECT_EQ(second_got->run_start_id, *first);
  EXPECT_EQ(second_got->flags, kRecordingRunEnd);
  auto empty_index = db_->GetRecordingIndex(*second);
  NJ_ASSERT_OK(empty_index);
  EXPECT_TRUE(empty_index->video_index.empty());
  NJ_EXPECT_ERROR(db_->GetRecording(CompositeId(stream_, 3)), ErrorCode::kNotFound);
}

TEST_F(RecordingsTest, FailedInsertConsumesNoId) {
  RecordingRow bad = Row(kT0, kMinute);
  bad.video_sample_entry_id = 999;  // foreign key fails after the id was bumped
  NJ_EXPECT_ERROR(db_->InsertRecording(bad), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db_->GetStream(stream_)->next_recording_id, 1);
  EXPECT_EQ(Insert(kT0, kMinute), CompositeId(stream_, 1));
  NJ_EXPECT_ERROR(db_->InsertRecording(Row(kT0, kMinute, 99)), ErrorCode::kNotFound);
}

TEST_F(RecordingsTest, InsertValidates) {
  auto too_long = Row(kT0, kMaxRecordingDuration + Duration90k(1));
  NJ_EXPECT_ERROR(db_->InsertRecording(too_long), ErrorCode::kInvalidArgument);
  NJ_EXPECT_OK(db_->InsertRecording(Row(kT0, kMaxRecordingDuration)));
  auto negative = Row(kT0, kMinute);
  negative.sample_file_bytes = -1;
  NJ_EXPECT_ERROR(db_->InsertRecording(negative), ErrorCode::kInvalidArgument);
  auto sync = Row(kT0, kMinute);
  sync.video_sync_samples = sync.video_samples + 1;
  NJ_EXPECT_ERROR(db_->InsertRecording(sync), ErrorCode::kInvalidArgument);
  auto flags = Row(kT0, kMinute);
  flags.flags = 8;
  NJ_EXPECT_ERROR(db_->InsertRecording(flags), ErrorCode::kInvalidArgument);
  auto run = Row(kT0, kMinute);
  run.run_start_id = CompositeId(other_stream_, 1);
  NJ_EXPECT_ERROR(db_->InsertRecording(run), ErrorCode::kInvalidArgument);
  run.run_start_id = CompositeId(stream_, 50);  // a later recording
  NJ_EXPECT_ERROR(db_->InsertRecording(run), ErrorCode::kInvalidArgument);
  EXPECT_EQ(db_->GetStream(stream_)->next_recording_id, 2);
}

TEST_F(RecordingsTest, IdsAreNeverReused) {
  int64_t a = Insert(kT0, kMinute);
  NJ_ASSERT_OK(db_->DeleteRecordingRows(std::vector<int64_t>{a}));
  OpenDb(OpenMode::kReadWrite);
  EXPECT_EQ(Insert(kT0, kMinute), CompositeId(stream_, 2));
}

TEST_F(RecordingsTest, CheckpointThenClose) {
  int64_t id = Insert(kT0, Duration90k(0));
  VideoIndexEncoder enc;
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 50000, true));
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 9000, false));
  RecordingUpdate checkpoint{.composite_id = id,
                             .wall_duration = Duration90k(6001),
                             .media_duration = enc.duration(),
                             .video_samples = enc.samples(),
                             .video_sync_samples = enc.sync_samples(),
                             .sample_file_bytes = enc.total_bytes(),
                             .video_index = enc.bytes()};
  NJ_ASSERT_OK(db_->UpdateRecordings(std::span<const RecordingUpdate>(&checkpoint, 1)));
  auto row = db_->GetRecording(id);
  NJ_ASSERT_OK(row);
  EXPECT_EQ(row->state, RecordingState::kWriting);
  EXPECT_EQ(row->wall_duration, Duration90k(6001));
  EXPECT_EQ(row->media_duration, Duration90k(6000));
  EXPECT_EQ(row->video_samples, 2);
  EXPECT_EQ(row->sample_file_bytes, 59000);
  EXPECT_EQ(db_->GetRecordingIndex(id)->video_index, enc.bytes());

  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 4000, false, Duration90k(3000)));
  ChunkIndexEncoder chunks;
  NJ_ASSERT_OK(chunks.Append(Track::kVideo, 3));
  const SampleFileHash hash =
      MakeSampleFileHash(HashAlgorithm::kXxh3_128, std::vector<uint8_t>(16, 0x5a));
  RecordingUpdate close = checkpoint;
  close.flags = kRecordingHasCto | kRecordingRunEnd;
  close.video_samples = 3;
  close.sample_file_bytes = enc.total_bytes();
  close.video_index = enc.bytes();
  close.audio_index = std::vector<uint8_t>();
  close.chunk_index = chunks.bytes();
  close.written_hash = hash;
  NJ_ASSERT_OK(db_->UpdateRecordings(std::span<const RecordingUpdate>(&close, 1)));
  row = db_->GetRecording(id);
  EXPECT_EQ(row->state, RecordingState::kWritten);
  EXPECT_EQ(row->sample_file_hash, hash);
  EXPECT_EQ(row->flags, kRecordingHasCto | kRecordingRunEnd);
  EXPECT_EQ(row->video_samples, 3);
  auto index = db_->GetRecordingIndex(id);
  NJ_ASSERT_OK(index);
  EXPECT_EQ(index->video_index, enc.bytes());
  EXPECT_EQ(index->audio_index, std::vector<uint8_t>());
  EXPECT_EQ(index->chunk_index, chunks.bytes());

  // A WRITTEN recording takes no more checkpoints.
  NJ_EXPECT_ERROR(db_->UpdateRecordings(std::span<const RecordingUpdate>(&close, 1)),
                  ErrorCode::kFailedPrecondition);
}

TEST_F(RecordingsTest, UpdateBatchIsAllOrNothing) {
  int64_t a = Insert(kT0, Duration90k(0));
  int64_t b = Insert(kT0, Duration90k(0), other_stream_);
  int64_t written = Insert(kT0 - kMinute, kMinute);
  Close(written);
  std::vector<RecordingUpdate> updates = {
      {.composite_id = a, .wall_duration = kMinute, .video_samples = 10},
      {.composite_id = b, .wall_duration = kMinute, .video_samples = 20}};
  NJ_ASSERT_OK(db_->UpdateRecordings(updates));
  EXPECT_EQ(db_->GetRecording(a)->video_samples, 10);
  EXPECT_EQ(db_->GetRecording(b)->video_samples, 20);

  updates[0].video_samples = 11;
  updates[1].composite_id = written;
  NJ_EXPECT_ERROR(db_->UpdateRecordings(updates), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db_->GetRecording(a)->video_samples, 10);  // rolled back
  updates[1].composite_id = CompositeId(stream_, 99);
  NJ_EXPECT_ERROR(db_->UpdateRecordings(updates), ErrorCode::kNotFound);
  updates[1] = {.composite_id = b, .wall_duration = kMaxRecordingDuration * 2};
  NJ_EXPECT_ERROR(db_->UpdateRecordings(updates), ErrorCode::kInvalidArgument);
  EXPECT_EQ(db_->GetRecording(a)->video_samples, 10);
}

TEST_F(RecordingsTest, CheckpointKeepsProtectedFlag) {
  int64_t id = Insert(kT0, Duration90k(0));
  NJ_ASSERT_OK(db_->SetRecordingFlags(id, kRecordingProtected));
  RecordingUpdate u{.composite_id = id, .flags = kRecordingHasCto, .wall_duration = kMinute};
  NJ_ASSERT_OK(db_->UpdateRecordings(std::span<const RecordingUpdate>(&u, 1)));
  EXPECT_EQ(db_->GetRecording(id)->flags, kRecordingProtected | kRecordingHasCto);
  NJ_ASSERT_OK(db_->SetRecordingFlags(id, 0));
  EXPECT_EQ(db_->GetRecording(id)->flags, 0);
  NJ_EXPECT_ERROR(db_->SetRecordingFlags(id, 16), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(db_->SetRecordingFlags(CompositeId(stream_, 9), 1), ErrorCode::kNotFound);
}

TEST_F(RecordingsTest, ListRecordingsFindsOverlaps) {
  // Back-to-back minutes [T0, T0+1m), [T0+1m, T0+2m), [T0+2m, T0+3m) plus one that starts 9
  // minutes before T0+10m and lasts 9.5 minutes.
  int64_t r1 = Insert(kT0, kMinute);
  int64_t r2 = Insert(kT0 + kMinute, kMinute);
  int64_t r3 = Insert(kT0 + 2 * kMinute, kMinute);
  int64_t long_one = Insert(kT0 + Duration90k::FromSeconds(60), Duration90k::FromSeconds(570));
  int64_t empty = Insert(kT0 + kMinute + Duration90k(1), Duration90k(0));  // no samples yet
  Insert(kT0, kMinute, other_stream_);

  auto list = [&](Time90k from, Time90k to) { return Ids(db_->ListRecordings(stream_, from, to)); };
  EXPECT_EQ(list(kT0, kT0 + 3 * kMinute), (std::vector<int64_t>{r1, r2, long_one, empty, r3}));
  EXPECT_EQ(list(kT0 - kMinute, kT0), std::vector<int64_t>{});  // ends where r1 starts
  EXPECT_EQ(list(kT0 - kMinute, kT0 + Duration90k(1)), std::vector<int64_t>{r1});
  EXPECT_EQ(list(kT0 + kMinute, kT0 + kMinute + Duration90k(1)),
            (std::vector<int64_t>{r2, long_one}));  // r1 ends exactly at from
  EXPECT_EQ(list(kT0 + Duration90k::FromSeconds(629), kT0 + Duration90k::FromSeconds(700)),
            std::vector<int64_t>{long_one});  // found although it started 9+ minutes earlier
  EXPECT_EQ(list(kT0 + Duration90k::FromSeconds(630), kT0 + Duration90k::FromSeconds(700)),
            std::vector<int64_t>{});
  EXPECT_EQ(list(kT0 + kMinute, kT0), std::vector<int64_t>{});  // empty range
  // The zero-length recording is the instant kT0 + 1m + 1 tick.
  EXPECT_EQ(list(kT0 + kMinute + Duration90k(1), kT0 + kMinute + Duration90k(2)),
            (std::vector<int64_t>{r2, long_one, empty}));
  EXPECT_EQ(list(kT0 + kMinute + Duration90k(2), kT0 + kMinute + Duration90k(3)),
            (std::vector<int64_t>{r2, long_one}));

  Close(r2);
  NJ_ASSERT_OK(db_->MarkDeleting(std::vector<int64_t>{r2}));
  EXPECT_EQ(list(kT0, kT0 + 3 * kMinute), (std::vector<int64_t>{r1, long_one, empty, r3}));

  // The spans of the same recordings, the whole stream, in the same order.
  auto spans = db_->ListRecordingSpans(stream_);
  NJ_ASSERT_OK(spans);
  auto rows = db_->ListRecordings(stream_, Time90k(0), kT0 + 60 * kMinute);
  NJ_ASSERT_OK(rows);
  ASSERT_EQ(spans->size(), rows->size());
  for (size_t i = 0; i < rows->size(); ++i) {
    EXPECT_EQ((*spans)[i], std::pair((*rows)[i].start, (*rows)[i].end())) << i;
  }
}

TEST_F(RecordingsTest, ListRecordingsUsesTheTimeIndex) {
  auto conn = Connection::Open(Path(), Connection::Mode::kReadOnly);
  NJ_ASSERT_OK(conn);
  auto plan = (*conn)->Prepare("EXPLAIN QUERY PLAN SELECT * FROM recording " +
                               std::string(kListRecordingsWhere));
  NJ_ASSERT_OK(plan);
  std::string details;
  while (*plan->Step()) details += plan->ColumnText(3) + "\n";
  EXPECT_NE(details.find("recording_by_time (stream_id=? AND start_90k>? AND start_90k<?)"),
            std::string::npos)
      << details;
  // The rowid (composite_id) completes the index order: no sort step.
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << details;
}

TEST_F(RecordingsTest, ListByState) {
  int64_t a = Insert(kT0, kMinute);
  int64_t b = Insert(kT0 + kMinute, kMinute);
  int64_t c = Insert(kT0 + 2 * kMinute, kMinute);
  Close(a);
  Close(c);
  NJ_ASSERT_OK(db_->MarkDeleting(std::vector<int64_t>{c}));
  EXPECT_EQ(Ids(db_->ListRecordingsByState(RecordingState::kWriting)), std::vector<int64_t>{b});
  EXPECT_EQ(Ids(db_->ListRecordingsByState(RecordingState::kWritten)), std::vector<int64_t>{a});
  EXPECT_EQ(Ids(db_->ListRecordingsByState(RecordingState::kDeleting)), std::vector<int64_t>{c});
}

TEST_F(RecordingsTest, DeleteLifecycle) {
  int64_t a = Insert(kT0, kMinute);
  int64_t b = Insert(kT0 + kMinute, kMinute);
  int64_t writing = Insert(kT0 + 2 * kMinute, kMinute);
  Close(a);
  Close(b);

  // Only WRITTEN rows can be marked; one bad id fails the whole batch.
  NJ_EXPECT_ERROR(db_->MarkDeleting(std::vector<int64_t>{a, writing}),
                  ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db_->GetRecording(a)->state, RecordingState::kWritten);
  NJ_EXPECT_ERROR(db_->MarkDeleting(std::vector<int64_t>{a, CompositeId(stream_, 77)}),
                  ErrorCode::kNotFound);
  // WRITTEN rows cannot be deleted before being marked.
  NJ_EXPECT_ERROR(db_->DeleteRecordingRows(std::vector<int64_t>{a}),
                  ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(db_->GetRecordingIndex(a).has_value());

  NJ_ASSERT_OK(db_->MarkDeleting(std::vector<int64_t>{a, b}));
  EXPECT_EQ(db_->GetRecording(b)->state, RecordingState::kDeleting);
  NJ_EXPECT_ERROR(db_->MarkDeleting(std::vector<int64_t>{a}), ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR(db_->DeleteRecordingRows(std::vector<int64_t>{a, CompositeId(stream_, 77)}),
                  ErrorCode::kNotFound);
  EXPECT_TRUE(db_->GetRecording(a).has_value());  // rolled back

  NJ_ASSERT_OK(db_->DeleteRecordingRows(std::vector<int64_t>{a, b, writing}));
  NJ_EXPECT_ERROR(db_->GetRecording(a), ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(db_->GetRecordingIndex(b), ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(db_->GetRecording(writing), ErrorCode::kNotFound);
  NJ_EXPECT_OK(db_->CheckIntegrity());
}

TEST_F(RecordingsTest, OldestRecordingsForRetention) {
  int64_t late = Insert(kT0 + 5 * kMinute, kMinute);
  int64_t early = Insert(kT0, kMinute);  // wall clock went back: ids and starts disagree
  int64_t protected_one = Insert(kT0 + kMinute, kMinute);
  int64_t mid = Insert(kT0 + 2 * kMinute, kMinute);
  Insert(kT0 - kMinute, kMinute);  // still WRITING
  int64_t other = Insert(kT0 - 2 * kMinute, kMinute, other_stream_);
  for (int64_t id : {late, early, protected_one, mid, other}) Close(id);
  NJ_ASSERT_OK(db_->SetRecordingFlags(protected_one, kRecordingProtected));

  EXPECT_EQ(Ids(db_->OldestRecordings(stream_, 10)), (std::vector<int64_t>{early, mid, late}));
  EXPECT_EQ(Ids(db_->OldestRecordings(stream_, 2)), (std::vector<int64_t>{early, mid}));
  EXPECT_EQ(Ids(db_->OldestRecordings(stream_, 0)), std::vector<int64_t>{});
  NJ_EXPECT_ERROR(db_->OldestRecordings(stream_, -1), ErrorCode::kInvalidArgument);
}

TEST_F(RecordingsTest, StreamUsage) {
  auto none = db_->GetStreamUsage(stream_);
  NJ_ASSERT_OK(none);
  EXPECT_EQ(none->recordings, 0);
  EXPECT_EQ(none->sample_file_bytes, 0);
  EXPECT_EQ(none->oldest_start, std::nullopt);
  EXPECT_EQ(none->newest_end, std::nullopt);

  int64_t a = Insert(kT0, kMinute);
  Insert(kT0 + 3 * kMinute, Duration90k::FromSeconds(30));
  Insert(kT0 + kMinute, kMinute);
  Insert(kT0 - 5 * kMinute, kMinute, other_stream_);
  Close(a);
  NJ_ASSERT_OK(db_->MarkDeleting(std::vector<int64_t>{a}));  // still on disk: still counted
  auto usage = db_->GetStreamUsage(stream_);
  NJ_ASSERT_OK(usage);
  EXPECT_EQ(usage->recordings, 3);
  EXPECT_EQ(usage->sample_file_bytes, 2 * kMinute.ticks() + Duration90k::FromSeconds(30).ticks());
  EXPECT_EQ(usage->oldest_start, kT0);
  EXPECT_EQ(usage->newest_end, kT0 + 3 * kMinute + Duration90k::FromSeconds(30));
}

TEST_F(RecordingsTest, ReadOnlyDatabaseRefusesRecordingWrites) {
  int64_t id = Insert(kT0, kMinute);
  auto ro = Database::Open(Path(), OpenMode::kReadOnly, clock_);
  NJ_ASSERT_OK(ro);
  NJ_EXPECT_ERROR((*ro)->InsertRecording(Row(kT0, kMinute)), ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR((*ro)->SetRecordingFlags(id, 1), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Ids((*ro)->ListRecordings(stream_, kT0, kT0 + kMinute)), std::vector<int64_t>{id});
}

// Recordings keep the algorithm of their hash: the BLAKE2b-256 digests of recordings made before
// XXH3 are stored as they always were (32 bytes) and read back as BLAKE2b; XXH3-128 carries its id.
TEST(SampleFileHashTest, StoredFormKeepsTheAlgorithm) {
  const SampleFileHash blake =
      MakeSampleFileHash(HashAlgorithm::kBlake2b256, std::vector<uint8_t>(32, 7));
  EXPECT_EQ(EncodeSampleFileHash(blake), std::vector<uint8_t>(32, 7));
  EXPECT_EQ(*DecodeSampleFileHash(std::vector<uint8_t>(32, 7)), blake);
  const SampleFileHash xxh3 =
      MakeSampleFileHash(HashAlgorithm::kXxh3_128, std::vector<uint8_t>(16, 9));
  std::vector<uint8_t> stored = EncodeSampleFileHash(xxh3);
  ASSERT_EQ(stored.size(), 17u);
  EXPECT_EQ(stored[0], 1);
  EXPECT_EQ(*DecodeSampleFileHash(stored), xxh3);
  EXPECT_FALSE(DecodeSampleFileHash(std::vector<uint8_t>(16, 9)));
  stored[0] = 2;  // an algorithm we do not know
  EXPECT_FALSE(DecodeSampleFileHash(stored));
  EXPECT_FALSE(DecodeSampleFileHash({}));
}

}  // namespace
}  // namespace nightjar::db
