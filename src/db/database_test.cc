// Database: opening, identity, sample-file dirs, cameras, streams, sample entries.
#include "db/database.h"
#include "db/schema.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>

#include "db/sqlite.h"
#include "db/test_util.h"

namespace nightjar::db {
namespace {

using DatabaseTest = DbTest;

Uuid MakeUuid(uint8_t fill) {
  Uuid u;
  u.fill(fill);
  return u;
}

TEST_F(DatabaseTest, CreateInitializesIdentityAndOpenRow) {
  OpenDb();
  EXPECT_NE(db_->uuid(), Uuid{});
  EXPECT_EQ(db_->open_id(), 1);
  EXPECT_FALSE(db_->read_only());
  NJ_EXPECT_OK(db_->VerifySchema());
  NJ_EXPECT_OK(db_->CheckIntegrity());
  Uuid first = db_->uuid();

  clock_.Advance(Duration90k::FromSeconds(10));
  NJ_ASSERT_OK(db_->MarkCleanShutdown());
  OpenDb(OpenMode::kReadWrite);
  EXPECT_EQ(db_->uuid(), first);  // the identity is kept
  EXPECT_EQ(db_->open_id(), 2);
  auto opens = db_->ListOpens();
  NJ_ASSERT_OK(opens);
  ASSERT_EQ(opens->size(), 2u);
  EXPECT_EQ((*opens)[0].start, Time90k::FromUnixSeconds(1'771'500'000));
  EXPECT_EQ((*opens)[0].end, Time90k::FromUnixSeconds(1'771'500'010));
  EXPECT_EQ((*opens)[1].end, std::nullopt);  // still running (or crashed)
  EXPECT_NE((*opens)[0].uuid, (*opens)[1].uuid);
}

TEST_F(DatabaseTest, TwoDatabasesHaveDifferentUuids) {
  OpenDb();
  auto other = Database::Open(Path("other.db"), OpenMode::kCreate, clock_);
  NJ_ASSERT_OK(other);
  EXPECT_NE((*other)->uuid(), db_->uuid());
}

TEST_F(DatabaseTest, MissingFileIsNotFoundAndNotCreated) {
  NJ_EXPECT_ERROR(Database::Open(Path(), OpenMode::kReadWrite, clock_), ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(Database::Open(Path(), OpenMode::kReadOnly, clock_), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(Path()));
}

TEST_F(DatabaseTest, ReadWriteRefusesEmptyFileButCreateInitializesIt) {
  std::ofstream(Path()).close();  // an empty file is an empty SQLite database
  auto rw = Database::Open(Path(), OpenMode::kReadWrite, clock_);
  NJ_EXPECT_ERROR(rw, ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR(Database::Open(Path(), OpenMode::kReadOnly, clock_),
                  ErrorCode::kFailedPrecondition);
  OpenDb(OpenMode::kCreate);
  EXPECT_EQ(db_->open_id(), 1);
}

TEST_F(DatabaseTest, RefusesForeignAndGarbageFiles) {
  {
    auto conn = Connection::Open(Path(), Connection::Mode::kReadWriteCreate);
    NJ_ASSERT_OK(conn);
    NJ_ASSERT_OK((*conn)->Exec("CREATE TABLE photos (x)"));
  }
  NJ_EXPECT_ERROR(Database::Open(Path(), OpenMode::kCreate, clock_),
                  ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR(Database::Open(Path(), OpenMode::kReadWrite, clock_),
                  ErrorCode::kFailedPrecondition);

  std::ofstream(Path("garbage.db")) << std::string(4096, 'x');
  NJ_EXPECT_ERROR(Database::Open(Path("garbage.db"), OpenMode::kReadWrite, clock_),
                  ErrorCode::kMalformed);
  NJ_EXPECT_ERROR(Database::Open(Path("garbage.db"), OpenMode::kReadOnly, clock_),
                  ErrorCode::kMalformed);
}

TEST_F(DatabaseTest, RefusesNewerSchema) {
  OpenDb();
  db_.reset();
  {
    auto conn = Connection::Open(Path(), Connection::Mode::kReadWrite);
    NJ_ASSERT_OK(conn);
    NJ_ASSERT_OK((*conn)->Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1)));
  }
  for (OpenMode mode : {OpenMode::kCreate, OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto db = Database::Open(Path(), mode, clock_);
    NJ_EXPECT_ERROR(db, ErrorCode::kFailedPrecondition);
    if (!db) {
      EXPECT_NE(db.error().message().find("newer"), std::string::npos);
    }
  }
}

TEST_F(DatabaseTest, UsesWalMode) {
  OpenDb();
  auto conn = Connection::Open(Path(), Connection::Mode::kReadOnly);
  NJ_ASSERT_OK(conn);
  auto stmt = (*conn)->Prepare("PRAGMA journal_mode");
  NJ_ASSERT_OK(stmt);
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnText(0), "wal");
}

TEST_F(DatabaseTest, ReadOnlyOpenReadsWhileWriterWrites) {
  OpenDb();
  auto ro = Database::Open(Path(), OpenMode::kReadOnly, clock_);
  NJ_ASSERT_OK(ro);
  Database& reader = **ro;
  EXPECT_TRUE(reader.read_only());
  EXPECT_EQ(reader.open_id(), 0);
  EXPECT_EQ(reader.uuid(), db_->uuid());

  NJ_ASSERT_OK(db_->InsertCamera({.short_name = "cam1"}));
  auto cameras = reader.ListCameras();  // sees the writer's committed transaction
  NJ_ASSERT_OK(cameras);
  ASSERT_EQ(cameras->size(), 1u);
  EXPECT_EQ((*cameras)[0].short_name, "cam1");

  NJ_EXPECT_ERROR(reader.InsertCamera({.short_name = "cam2"}), ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR(reader.MarkCleanShutdown(), ErrorCode::kFailedPrecondition);
  auto opens = reader.ListOpens();
  NJ_ASSERT_OK(opens);
  EXPECT_EQ(opens->size(), 1u);  // a read-only open leaves no trace
  NJ_EXPECT_OK(reader.VerifySchema());
}

TEST_F(DatabaseTest, ReadOnlyOpenAfterWriterClosed) {
  OpenDb();
  NJ_ASSERT_OK(db_->InsertCamera({.short_name = "cam1"}));
  db_.reset();
  auto ro = Database::Open(Path(), OpenMode::kReadOnly, clock_);
  NJ_ASSERT_OK(ro);
  EXPECT_TRUE((*ro)->GetCameraByShortName("cam1").has_value());
}

TEST_F(DatabaseTest, SampleFileDirs) {
  OpenDb();
  auto a = db_->AddSampleFileDir("/media/a", MakeUuid(1), 1 << 30);
  NJ_ASSERT_OK(a);
  auto b = db_->AddSampleFileDir("/media/b", MakeUuid(2), 0);
  NJ_ASSERT_OK(b);
  NJ_EXPECT_ERROR(db_->AddSampleFileDir("/media/a", MakeUuid(3), 0), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->AddSampleFileDir("/media/c", MakeUuid(1), 0), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->AddSampleFileDir("/media/c", MakeUuid(4), -1), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(db_->AddSampleFileDir("", MakeUuid(4), 0), ErrorCode::kInvalidArgument);

  auto dir = db_->GetSampleFileDir(*a);
  NJ_ASSERT_OK(dir);
  EXPECT_EQ(dir->path, "/media/a");
  EXPECT_EQ(dir->uuid, MakeUuid(1));
  EXPECT_EQ(dir->min_free_bytes, 1 << 30);
  auto dirs = db_->ListSampleFileDirs();
  NJ_ASSERT_OK(dirs);
  ASSERT_EQ(dirs->size(), 2u);
  EXPECT_EQ((*dirs)[1].id, *b);
  NJ_EXPECT_ERROR(db_->GetSampleFileDir(99), ErrorCode::kNotFound);
}

TEST_F(DatabaseTest, Cameras) {
  OpenDb();
  auto id = db_->InsertCamera({.short_name = "door",
                               .name = "Front door",
                               .config_json = R"({"url":"rtsp://x"})",
                               .from_api = true});
  NJ_ASSERT_OK(id);
  NJ_EXPECT_ERROR(db_->InsertCamera({.short_name = "door"}), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->InsertCamera({.short_name = ""}), ErrorCode::kInvalidArgument);

  auto cam = db_->GetCameraByShortName("door");
  NJ_ASSERT_OK(cam);
  EXPECT_EQ(cam->id, *id);
  EXPECT_EQ(cam->name, "Front door");
  EXPECT_EQ(cam->config_json, R"({"url":"rtsp://x"})");
  EXPECT_TRUE(cam->from_api);

  cam->short_name = "porch";
  cam->from_api = false;
  NJ_ASSERT_OK(db_->UpdateCamera(*cam));
  NJ_EXPECT_ERROR(db_->GetCameraByShortName("door"), ErrorCode::kNotFound);
  auto again = db_->GetCamera(*id);
  NJ_ASSERT_OK(again);
  EXPECT_EQ(again->short_name, "porch");
  EXPECT_FALSE(again->from_api);
  NJ_EXPECT_ERROR(db_->UpdateCamera({.id = 99, .short_name = "x"}), ErrorCode::kNotFound);

  NJ_ASSERT_OK(db_->InsertCamera({.short_name = "yard"}));
  auto all = db_->ListCameras();
  NJ_ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].short_name, "porch");
  EXPECT_EQ((*all)[1].config_json, "{}");
}

TEST_F(DatabaseTest, DeleteCameraTakesStreamsAndEventsButNotRecordings) {
  OpenDb();
  int64_t cam = *db_->InsertCamera({.short_name = "cam"});
  int64_t main = *db_->InsertStream({.camera_id = cam, .kind = StreamKind::kMain});
  NJ_ASSERT_OK(db_->InsertStream({.camera_id = cam, .kind = StreamKind::kSub}));
  NJ_ASSERT_OK(db_->InsertEvent({.camera_id = cam, .kind = "motion"}));
  int64_t entry = *db_->InsertOrGetSampleEntry({.codec = "avc1.640028"});
  auto rec = db_->InsertRecording({.stream_id = main, .video_sample_entry_id = entry});
  NJ_ASSERT_OK(rec);

  auto refused = db_->DeleteCamera(cam);
  NJ_EXPECT_ERROR(refused, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db_->ListStreams(cam)->size(), 2u);  // nothing changed

  NJ_ASSERT_OK(db_->DeleteRecordingRows(std::vector<int64_t>{*rec}));  // WRITING rows may go
  NJ_ASSERT_OK(db_->DeleteCamera(cam));
  EXPECT_TRUE(db_->ListStreams()->empty());
  EXPECT_TRUE(db_->ListCameras()->empty());
  NJ_EXPECT_ERROR(db_->DeleteCamera(cam), ErrorCode::kNotFound);
  NJ_EXPECT_OK(db_->CheckIntegrity());
}

TEST_F(DatabaseTest, Streams) {
  OpenDb();
  int64_t cam = *db_->InsertCamera({.short_name = "cam"});
  int64_t dir = *db_->AddSampleFileDir("/media/a", MakeUuid(1), 0);
  auto main = db_->InsertStream({.camera_id = cam,
                                 .kind = StreamKind::kMain,
                                 .sample_file_dir_id = dir,
                                 .retain_bytes = 1'000'000'000,
                                 .retain_secs = 86400});
  NJ_ASSERT_OK(main);
  NJ_EXPECT_ERROR(db_->InsertStream({.camera_id = cam, .kind = StreamKind::kMain}),
                  ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->InsertStream({.camera_id = 99, .kind = StreamKind::kSub}),
                  ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR(
      db_->InsertStream({.camera_id = cam, .kind = StreamKind::kSub, .retain_bytes = -1}),
      ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(db_->InsertStream({.camera_id = cam, .kind = StreamKind::kSub, .retain_secs = 0}),
                  ErrorCode::kInvalidArgument);
  auto sub = db_->InsertStream({.camera_id = cam, .kind = StreamKind::kSub, .record = false});
  NJ_ASSERT_OK(sub);

  auto s = db_->GetStream(*main);
  NJ_ASSERT_OK(s);
  EXPECT_EQ(s->camera_id, cam);
  EXPECT_EQ(s->kind, StreamKind::kMain);
  EXPECT_EQ(s->sample_file_dir_id, dir);
  EXPECT_TRUE(s->record);
  EXPECT_EQ(s->retain_bytes, 1'000'000'000);
  EXPECT_EQ(s->retain_secs, 86400);
  EXPECT_EQ(s->next_recording_id, 1);

  s->retain_bytes = 5;
  s->retain_secs = std::nullopt;
  s->record = false;
  s->next_recording_id = 77;  // ignored
  NJ_ASSERT_OK(db_->UpdateStream(*s));
  auto updated = db_->GetStream(*main);
  NJ_ASSERT_OK(updated);
  EXPECT_EQ(updated->retain_bytes, 5);
  EXPECT_EQ(updated->retain_secs, std::nullopt);
  EXPECT_FALSE(updated->record);
  EXPECT_EQ(updated->next_recording_id, 1);
  NJ_EXPECT_ERROR(db_->UpdateStream({.id = 99}), ErrorCode::kNotFound);

  auto of_cam = db_->ListStreams(cam);
  NJ_ASSERT_OK(of_cam);
  ASSERT_EQ(of_cam->size(), 2u);
  EXPECT_EQ((*of_cam)[1].kind, StreamKind::kSub);
  EXPECT_FALSE((*of_cam)[1].record);
  EXPECT_TRUE(db_->ListStreams(cam + 1)->empty());
}

TEST_F(DatabaseTest, StreamWithRecordingsCannotChangeDirectory) {
  OpenDb();
  int64_t cam = *db_->InsertCamera({.short_name = "cam"});
  int64_t dir_a = *db_->AddSampleFileDir("/media/a", MakeUuid(1), 0);
  int64_t dir_b = *db_->AddSampleFileDir("/media/b", MakeUuid(2), 0);
  int64_t stream = *db_->InsertStream({.camera_id = cam, .sample_file_dir_id = dir_a});
  StreamRow row = *db_->GetStream(stream);
  row.sample_file_dir_id = dir_b;
  NJ_ASSERT_OK(db_->UpdateStream(row));  // no recordings yet: fine
  int64_t entry = *db_->InsertOrGetSampleEntry({.codec = "avc1.640028"});
  NJ_ASSERT_OK(db_->InsertRecording({.stream_id = stream, .video_sample_entry_id = entry}));
  row.sample_file_dir_id = dir_a;
  NJ_EXPECT_ERROR(db_->UpdateStream(row), ErrorCode::kFailedPrecondition);
  row.sample_file_dir_id = dir_b;
  row.retain_bytes = 10;
  NJ_EXPECT_OK(db_->UpdateStream(row));  // same directory: other settings may change
  EXPECT_EQ(db_->GetStream(stream)->sample_file_dir_id, dir_b);
}

// The deduplication key as documented in database.h, computed independently.
Sha256 ExpectedKey(std::string_view kind, std::string_view codec, const std::vector<uint8_t>& c) {
  std::vector<uint8_t> input;
  auto put = [&](const uint8_t* p, size_t n) {
    for (int shift : {24, 16, 8, 0}) input.push_back(static_cast<uint8_t>(n >> shift));
    input.insert(input.end(), p, p + n);
  };
  put(reinterpret_cast<const uint8_t*>(kind.data()), kind.size());
  put(reinterpret_cast<const uint8_t*>(codec.data()), codec.size());
  put(c.data(), c.size());
  Sha256 out;
  crypto_hash_sha256(out.data(), input.data(), input.size());
  return out;
}

TEST_F(DatabaseTest, SampleEntriesAreDeduplicated) {
  OpenDb();
  SampleEntryRow video{.kind = SampleEntryKind::kVideo,
                       .codec = "avc1.640028",
                       .config = {1, 0x64, 0, 0x28, 0xff},
                       .width = 1920,
                       .height = 1080};
  auto a = db_->InsertOrGetSampleEntry(video);
  NJ_ASSERT_OK(a);
  auto again = db_->InsertOrGetSampleEntry(video);
  NJ_ASSERT_OK(again);
  EXPECT_EQ(*again, *a);

  SampleEntryRow other_config = video;
  other_config.config.push_back(0);
  auto b = db_->InsertOrGetSampleEntry(other_config);
  NJ_ASSERT_OK(b);
  EXPECT_NE(*b, *a);
  SampleEntryRow audio{.kind = SampleEntryKind::kAudio,
                       .codec = "mp4a.40.2",
                       .config = {0x12, 0x10},
                       .sample_rate = 48000,
                       .channels = 2};
  auto c = db_->InsertOrGetSampleEntry(audio);
  NJ_ASSERT_OK(c);
  SampleEntryRow ulaw{.kind = SampleEntryKind::kAudio, .codec = "ulaw", .sample_rate = 8000};
  NJ_ASSERT_OK(db_->InsertOrGetSampleEntry(ulaw));  // empty config
  NJ_EXPECT_ERROR(db_->InsertOrGetSampleEntry({.codec = ""}), ErrorCode::kInvalidArgument);

  auto got = db_->GetSampleEntry(*a);
  NJ_ASSERT_OK(got);
  EXPECT_EQ(got->kind, SampleEntryKind::kVideo);
  EXPECT_EQ(got->codec, "avc1.640028");
  EXPECT_EQ(got->config, video.config);
  EXPECT_EQ(got->width, 1920);
  EXPECT_EQ(got->height, 1080);
  EXPECT_EQ(got->sample_rate, std::nullopt);
  EXPECT_EQ(got->sha256, ExpectedKey("video", "avc1.640028", video.config));
  auto got_audio = db_->GetSampleEntry(*c);
  NJ_ASSERT_OK(got_audio);
  EXPECT_EQ(got_audio->kind, SampleEntryKind::kAudio);
  EXPECT_EQ(got_audio->channels, 2);
  EXPECT_EQ(db_->ListSampleEntries()->size(), 4u);
  NJ_EXPECT_ERROR(db_->GetSampleEntry(99), ErrorCode::kNotFound);
}

TEST(RowsTest, NamesAndIds) {
  EXPECT_EQ(CompositeId(1, 23), 0x100000017);
  EXPECT_EQ(StreamIdOf(0x100000017), 1);
  EXPECT_EQ(RecordingIdOf(0x100000017), 23);
  EXPECT_EQ(SampleFileName(CompositeId(1, 23)), "0000000100000017");
  EXPECT_EQ(SampleFileName(CompositeId(0x7fffffff, 0xffffffff)), "7fffffffffffffff");
  Uuid u{};
  u[0] = 0xab;
  u[15] = 0x01;
  EXPECT_EQ(UuidToHex(u), "ab000000000000000000000000000001");
  EXPECT_EQ(*ParseStreamKind(StreamKindName(StreamKind::kSub)), StreamKind::kSub);
  EXPECT_EQ(*ParseUserRole(UserRoleName(UserRole::kAdmin)), UserRole::kAdmin);
  EXPECT_FALSE(ParseUserRole("root").has_value());
  EXPECT_EQ(RecordingStateName(RecordingState::kDeleting), "DELETING");
}

}  // namespace
}  // namespace nightjar::db
