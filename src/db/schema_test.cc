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
}

TEST_F(SchemaTest, MigratesFreshDatabaseAndVerifies) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(ConfigureConnection(*conn, /*read_write=*/true));
  NJ_ASSERT_OK(Migrate(*conn));
  EXPECT_EQ(*SchemaVersion(*conn), 1);
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
  EXPECT_EQ(*SchemaVersion(*conn), 1);
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
  NJ_EXPECT_OK(VerifySchema(*conn));
}

TEST_F(SchemaTest, LaterMigrationsApplyInOrder) {
  auto conn = OpenConn();
  ASSERT_NE(conn, nullptr);
  NJ_ASSERT_OK(Migrate(*conn));  // version 1, as an older release left it
  std::vector<std::string_view> migrations = {
      Migrations()[0], "ALTER TABLE camera ADD COLUMN notes TEXT NOT NULL DEFAULT ''",
      "CREATE INDEX camera_by_name ON camera (name)"};
  NJ_EXPECT_ERROR(CheckSchemaVersion(*conn, migrations), ErrorCode::kFailedPrecondition);
  NJ_ASSERT_OK(Migrate(*conn, migrations));
  EXPECT_EQ(*SchemaVersion(*conn), 3);
  NJ_EXPECT_OK(VerifySchema(*conn, migrations));
  NJ_EXPECT_OK(CheckSchemaVersion(*conn, migrations));
  // Against version 1 the altered camera table, the extra index and the version all differ.
  auto v1 = VerifySchema(*conn);
  NJ_EXPECT_ERROR(v1, ErrorCode::kMalformed);
  const std::string& msg = v1.error().message();
  EXPECT_NE(msg.find("schema version is 3, expected 1"), std::string::npos) << msg;
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
  NJ_ASSERT_OK(Migrate(*conn));
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

}  // namespace
}  // namespace nightjar::db
