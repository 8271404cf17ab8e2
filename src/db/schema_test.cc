#include "db/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "db/sqlite.h"
#include "db/test_util.h"

namespace nightjar::db {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \n\t");
  size_t e = s.find_last_not_of(" \n\t");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

class SchemaTest : public DbTest {
 protected:
  std::unique_ptr<Connection> OpenConn(Connection::Mode mode = Connection::Mode::kReadWriteCreate) {
    auto conn = Connection::Open(Path("s.db"), mode);
    EXPECT_TRUE(conn.has_value()) << conn.error().ToString();
    return conn ? std::move(*conn) : nullptr;
  }
};

TEST(SchemaDocTest, Migration1IsTheDocumentedSchema) {
  std::ifstream in(std::string(NIGHTJAR_SOURCE_DIR) + "/docs/schema.md");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  size_t start = doc.find("```sql\n");
  ASSERT_NE(start, std::string::npos);
  start += 7;
  size_t end = doc.find("```", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(Trim(Migrations()[0]), Trim(doc.substr(start, end - start)));
  EXPECT_EQ(static_cast<int>(Migrations().size()), kSchemaVersion);
  // Migration 2: the first sql block of its section.
  const size_t section = doc.find("## Migration 2");
  ASSERT_NE(section, std::string::npos);
  start = doc.find("```sql\n", section);
  ASSERT_NE(start, std::string::npos);
  start += 7;
  end = doc.find("```", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(Trim(Migrations()[1]), Trim(doc.substr(start, end - start)));
  const size_t section3 = doc.find("## Migration 3");
  ASSERT_NE(section3, std::string::npos);
  start = doc.find("```sql\n", section3);
  ASSERT_NE(start, std::string::npos);
  start += 7;
  end = doc.find("```", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(Trim(Migrations()[2]), Trim(doc.substr(start, end - start)));
  const size_t section4 = doc.find("## Migration 4");
  ASSERT_NE(section4, std::string::npos);
  start = doc.find("```sql\n", section4);
  ASSERT_NE(start, std::string::npos);
  start += 7;
  end = doc.find("```", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(Trim(Migrations()[3]), Trim(doc.substr(start, end - start)));
}

TEST_F(SchemaTest, MigratesFreshDatabaseAndVerifies) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(ConfigureConnection(*conn, /*read_write=*/true));
  NJ_ASSERT_OK(Migrate(*conn));
  EXPECT_EQ(*SchemaVersion(*conn), kSchemaVersion);
  NJ_EXPECT_OK(VerifySchema(*conn));
  NJ_EXPECT_OK(CheckSchemaVersion(*conn));
  NJ_EXPECT_OK(CheckIntegrity(*conn));
  for (const char* table : {"meta", "open", "sample_file_dir", "camera", "stream", "sample_entry",
                            "recording", "recording_index", "event", "user", "session"}) {
    EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                              "name = '" +
                              std::string(table) + "'"),
              1)
        << table;
  }
  // Idempotent.
  NJ_ASSERT_OK(Migrate(*conn));
  EXPECT_EQ(*SchemaVersion(*conn), kSchemaVersion);
}

TEST_F(SchemaTest, ConfiguresWalFullSyncAndForeignKeys) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(ConfigureConnection(*conn, /*read_write=*/true));
  auto mode = conn->Prepare("PRAGMA journal_mode");
  NJ_ASSERT_OK(mode);
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
  EXPECT_EQ(*conn->QueryInt("PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(*conn->QueryInt("PRAGMA foreign_keys"), 1);
}

TEST_F(SchemaTest, RefusesNewerDatabase) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn));
  NJ_ASSERT_OK(conn->Exec("PRAGMA user_version = 7"));
  auto result = Migrate(*conn);
  NJ_EXPECT_ERROR(result, ErrorCode::kFailedPrecondition);
  EXPECT_NE(result.error().message().find("newer"), std::string::npos);
  EXPECT_EQ(*SchemaVersion(*conn), 7);
  NJ_EXPECT_ERROR(CheckSchemaVersion(*conn), ErrorCode::kFailedPrecondition);
}

TEST_F(SchemaTest, RefusesForeignDatabase) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(conn->Exec("CREATE TABLE mine (x)"));
  auto result = Migrate(*conn);
  NJ_EXPECT_ERROR(result, ErrorCode::kFailedPrecondition);
  EXPECT_NE(result.error().message().find("not a Nightjar database"), std::string::npos);
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM sqlite_master"), 1);
  EXPECT_EQ(*SchemaVersion(*conn), 0);
}

TEST_F(SchemaTest, FailedMigrationStepRollsBack) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  std::vector<std::string_view> migrations = {Migrations()[0],
                                              "CREATE TABLE added (x); CREATE TABLE oops ("};
  auto result = Migrate(*conn, migrations);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message().find("migration to schema version 2"), std::string::npos);
  // Step 1 committed, step 2 left nothing behind.
  EXPECT_EQ(*SchemaVersion(*conn), 1);
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 'added'"), 0);
  NJ_EXPECT_OK(VerifySchema(*conn, Migrations().first(1)));
}

TEST_F(SchemaTest, LaterMigrationsApplyInOrder) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn, Migrations().first(1)));  // version 1, as an older release left it
  std::vector<std::string_view> migrations = {
      Migrations()[0], "ALTER TABLE camera ADD COLUMN notes TEXT NOT NULL DEFAULT ''",
      "CREATE INDEX camera_by_name ON camera (name)", "CREATE TABLE later (x)",
      "CREATE TABLE later_still (x)"};
  NJ_EXPECT_ERROR(CheckSchemaVersion(*conn, migrations), ErrorCode::kFailedPrecondition);
  NJ_ASSERT_OK(Migrate(*conn, migrations));
  EXPECT_EQ(*SchemaVersion(*conn), 5);
  NJ_EXPECT_OK(VerifySchema(*conn, migrations));
  NJ_EXPECT_OK(CheckSchemaVersion(*conn, migrations));
  // Against this binary's schema the altered camera table, the extra index and the version
  // all differ.
  auto v1 = VerifySchema(*conn);
  NJ_EXPECT_ERROR(v1, ErrorCode::kMalformed);
  const std::string& msg = v1.error().message();
  EXPECT_NE(msg.find("schema version is 5, expected 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("table camera differs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected index camera_by_name"), std::string::npos) << msg;
}

TEST_F(SchemaTest, VerifyReportsMissingObjects) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn));
  NJ_ASSERT_OK(conn->Exec("DROP INDEX recording_by_time"));
  auto result = VerifySchema(*conn);
  NJ_EXPECT_ERROR(result, ErrorCode::kMalformed);
  EXPECT_NE(result.error().message().find("missing index recording_by_time"), std::string::npos)
      << result.error().message();
}

TEST_F(SchemaTest, CheckSchemaVersionExplainsOldAndEmpty) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  auto empty = CheckSchemaVersion(*conn);
  NJ_EXPECT_ERROR(empty, ErrorCode::kFailedPrecondition);
  EXPECT_NE(empty.error().message().find("not a Nightjar database"), std::string::npos);
  std::vector<std::string_view> two = {Migrations()[0], "CREATE TABLE later (x)"};
  NJ_ASSERT_OK(Migrate(*conn, Migrations().first(1)));
  auto old = CheckSchemaVersion(*conn, two);
  NJ_EXPECT_ERROR(old, ErrorCode::kFailedPrecondition);
  EXPECT_NE(old.error().message().find("older"), std::string::npos);
}

TEST_F(SchemaTest, IntegrityCheckFindsForeignKeyViolations) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn));
  // foreign_keys is off on this connection (never configured): a damaged database.
  NJ_ASSERT_OK(conn->Exec("INSERT INTO stream (camera_id, kind) VALUES (99, 'main')"));
  auto result = CheckIntegrity(*conn);
  NJ_EXPECT_ERROR(result, ErrorCode::kMalformed);
  EXPECT_NE(result.error().message().find("stream"), std::string::npos) << result.error().message();
}

using Totals = std::pair<int64_t, int64_t>;  // recordings, bytes

TEST_F(SchemaTest, Migration2TotalsExistingRecordingsAndTriggersKeepThem) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn, Migrations().first(1)));  // a version 1 database with recordings
  NJ_ASSERT_OK(conn->Exec("INSERT INTO camera (id, short_name) VALUES (1, 'cam1'), (2, 'cam2')"));
  NJ_ASSERT_OK(
      conn->Exec("INSERT INTO stream (id, camera_id, kind) VALUES (1, 1, 'main'), "
                 "(2, 1, 'sub'), (3, 2, 'main')"));
  auto insert = [&](int64_t id, int64_t stream, int64_t bytes) {
    return conn->Exec(
        "INSERT INTO recording (composite_id, stream_id, open_id, state, run_start_id, start_90k, "
        "wall_duration_90k, media_duration_90k, video_samples, video_sync_samples, "
        "sample_file_bytes, video_sample_entry_id) VALUES (" +
        std::to_string(id) + ", " + std::to_string(stream) + ", 1, 1, 1, " +
        std::to_string(id * 90000) + ", 90000, 90000, 30, 1, " + std::to_string(bytes) + ", 1)");
  };
  NJ_ASSERT_OK(insert(1, 1, 1000));
  NJ_ASSERT_OK(insert(2, 1, 2000));
  NJ_ASSERT_OK(insert(3, 2, 500));
  NJ_ASSERT_OK(Migrate(*conn, Migrations().first(2)));
  EXPECT_EQ(*SchemaVersion(*conn), 2);
  NJ_EXPECT_OK(VerifySchema(*conn, Migrations().first(2)));
  auto totals = [&](int64_t stream) {
    const std::string where = " FROM stream WHERE id = " + std::to_string(stream);
    return Totals{*conn->QueryInt("SELECT recordings" + where),
                  *conn->QueryInt("SELECT sample_file_bytes" + where)};
  };
  EXPECT_EQ(totals(1), Totals(2, 3000));
  EXPECT_EQ(totals(2), Totals(1, 500));
  EXPECT_EQ(totals(3), Totals(0, 0));
  // Inserts, growth (checkpoints), moves and deletes keep them.
  NJ_ASSERT_OK(insert(4, 3, 700));
  NJ_ASSERT_OK(conn->Exec("UPDATE recording SET sample_file_bytes = 2500 WHERE composite_id = 2"));
  NJ_ASSERT_OK(conn->Exec("UPDATE recording SET state = 2 WHERE composite_id = 1"));  // no change
  EXPECT_EQ(totals(1), Totals(2, 3500));
  NJ_ASSERT_OK(conn->Exec("UPDATE recording SET stream_id = 3 WHERE composite_id = 3"));
  EXPECT_EQ(totals(2), Totals(0, 0));
  EXPECT_EQ(totals(3), Totals(2, 1200));
  NJ_ASSERT_OK(conn->Exec("DELETE FROM recording WHERE composite_id IN (1, 4)"));
  EXPECT_EQ(totals(1), Totals(1, 2500));
  EXPECT_EQ(totals(3), Totals(1, 500));
  // A rolled-back change leaves them as they were.
  auto failed = conn->WithTransaction([&]() -> Result<void> {
    NJ_CHECK_OK(insert(5, 1, 9999));
    return Err(ErrorCode::kInternal, "abandon");
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(totals(1), Totals(1, 2500));
}

TEST_F(SchemaTest, Migration3RenamesTheUserRoleAndKeepsUsers) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(ConfigureConnection(*conn, /*read_write=*/true));
  NJ_ASSERT_OK(Migrate(*conn, Migrations().first(2)));  // a version 2 database with users
  NJ_ASSERT_OK(conn->Exec(
      "INSERT INTO user (id, username, password_hash, role, created_90k) VALUES "
      "(1, 'ann', 'h1', 'admin', 5), (2, 'bob', NULL, 'user', 6), (3, 'cy', 'h3', 'viewer', 7)"));
  NJ_ASSERT_OK(
      conn->Exec("INSERT INTO session (user_id, token_sha256, created_90k, expires_90k) "
                 "VALUES (2, zeroblob(32), 1, 2)"));
  NJ_ASSERT_OK(Migrate(*conn));
  EXPECT_EQ(*SchemaVersion(*conn), kSchemaVersion);
  NJ_EXPECT_OK(VerifySchema(*conn));
  NJ_EXPECT_OK(CheckIntegrity(*conn));
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM user WHERE role = 'operator' AND id = 2"), 1);
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM user WHERE role = 'admin' AND id = 1"), 1);
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM user"), 3);
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM session"), 0);
  // The new CHECK refuses the old name; deleting a user cascades to its rows.
  EXPECT_FALSE(conn->Exec("UPDATE user SET role = 'user' WHERE id = 3").has_value());
  NJ_ASSERT_OK(conn->Exec("INSERT INTO user_camera (user_id, camera, rights) VALUES (3, 'c', 3)"));
  NJ_ASSERT_OK(conn->Exec("DELETE FROM user WHERE id = 3"));
  EXPECT_EQ(*conn->QueryInt("SELECT count(*) FROM user_camera"), 0);
}

// Migration 4: the rows not WRITTEN are found through the partial index, not by a scan.
TEST_F(SchemaTest, Migration4IndexesTheRowsNotWritten) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn));
  auto plan = conn->Prepare(
      "EXPLAIN QUERY PLAN SELECT composite_id FROM recording WHERE state = ? AND state <> 1 "
      "ORDER BY composite_id");
  ASSERT_TRUE(plan);
  plan->BindInt(1, 0);
  std::string detail;
  while (*plan->Step()) detail += plan->ColumnText(3) + "\n";
  EXPECT_NE(detail.find("recording_not_written"), std::string::npos) << detail;
}

}  // namespace
}  // namespace nightjar::db
