#include "db/sqlite.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cerrno>
#include <string>

#include "db/test_util.h"

namespace nightjar::db {
namespace {

class SqliteTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    auto conn = Connection::Open(Path("t.db"), Connection::Mode::kReadWriteCreate);
    ASSERT_TRUE(conn.has_value()) << conn.error().ToString();
    conn_ = std::move(*conn);
    NJ_ASSERT_OK(
        conn_->Exec("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;"
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, b BLOB,"
                    "  u TEXT UNIQUE, c INTEGER CHECK (c >= 0), n TEXT NOT NULL DEFAULT '');"
                    "CREATE TABLE child (id INTEGER PRIMARY KEY,"
                    "  t_id INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED);"));
  }
  void TearDown() override {
    conn_.reset();
    DbTest::TearDown();
  }

  int64_t Count(const std::string& table = "t") {
    auto n = conn_->QueryInt("SELECT count(*) FROM " + table);
    EXPECT_TRUE(n.has_value());
    return n.value_or(-1);
  }

  std::unique_ptr<Connection> conn_;
};

TEST_F(SqliteTest, OpenMissingFileIsNotFound) {
  NJ_EXPECT_ERROR(Connection::Open(Path("missing.db"), Connection::Mode::kReadOnly),
                  ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(Connection::Open(Path("missing.db"), Connection::Mode::kReadWrite),
                  ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(Connection::Open(Path("no/such/dir.db"), Connection::Mode::kReadWriteCreate),
                  ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(Path("missing.db")));
}

TEST_F(SqliteTest, BindsAndReadsEveryType) {
  auto stmt = conn_->Prepare("INSERT INTO t (i, s, b, u) VALUES (?, ?, ?, :u)");
  NJ_ASSERT_OK(stmt);
  const std::vector<uint8_t> blob = {0, 1, 2, 255};
  NJ_ASSERT_OK(stmt->BindInt(1, -(int64_t{1} << 60))
                   .BindText(2, std::string("a\0b", 3))
                   .BindBlob(3, blob)
                   .BindNull(":u")
                   .Run());
  int64_t id = conn_->LastInsertRowId();
  EXPECT_EQ(conn_->Changes(), 1);

  auto select = conn_->Prepare("SELECT i, s, b, u, typeof(b) FROM t WHERE id = :id");
  NJ_ASSERT_OK(select);
  select->BindInt(":id", id);
  auto row = select->Step();
  NJ_ASSERT_OK(row);
  ASSERT_TRUE(*row);
  EXPECT_EQ(select->ColumnInt(0), -(int64_t{1} << 60));
  EXPECT_EQ(select->ColumnText(1), std::string("a\0b", 3));
  EXPECT_EQ(select->ColumnBlob(2), blob);
  EXPECT_TRUE(select->ColumnIsNull(3));
  EXPECT_EQ(select->ColumnOptText(3), std::nullopt);
  EXPECT_EQ(select->ColumnOptInt(0), -(int64_t{1} << 60));
  auto done = select->Step();
  NJ_ASSERT_OK(done);
  EXPECT_FALSE(*done);
}

TEST_F(SqliteTest, EmptyTextAndBlobAreNotNull) {
  // video_index is NOT NULL and empty while a recording has no samples yet.
  auto stmt = conn_->Prepare("SELECT typeof(?1), typeof(?2), length(?2), ?2, ?1");
  NJ_ASSERT_OK(stmt);
  stmt->BindText(1, std::string_view()).BindBlob(2, std::span<const uint8_t>());
  auto row = stmt->Step();
  NJ_ASSERT_OK(row);
  ASSERT_TRUE(*row);
  EXPECT_EQ(stmt->ColumnText(0), "text");
  EXPECT_EQ(stmt->ColumnText(1), "blob");
  EXPECT_EQ(stmt->ColumnInt(2), 0);
  EXPECT_EQ(stmt->ColumnOptBlob(3), std::vector<uint8_t>());
  EXPECT_EQ(stmt->ColumnOptText(4), std::string());
}

TEST_F(SqliteTest, BindErrorsSurfaceAtStep) {
  auto stmt = conn_->Prepare("INSERT INTO t (i) VALUES (?)");
  NJ_ASSERT_OK(stmt);
  stmt->BindInt(2, 1).BindInt(1, 5);  // the first error is kept
  auto result = stmt->Run();
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message().find("INSERT INTO t (i) VALUES (?)"), std::string::npos)
      << result.error().message();
  EXPECT_EQ(Count(), 0);

  auto named = conn_->Prepare("SELECT :a");
  NJ_ASSERT_OK(named);
  named->BindInt(":b", 1);
  auto step = named->Step();
  ASSERT_FALSE(step.has_value());
  EXPECT_NE(step.error().message().find(":b"), std::string::npos) << step.error().message();
}

TEST_F(SqliteTest, ErrorsCarryTheSqlAndTheRightCode) {
  auto bad = conn_->Prepare("SELEC 1");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("SELEC 1"), std::string::npos);
  EXPECT_NE(bad.error().message().find("syntax error"), std::string::npos);

  NJ_ASSERT_OK(conn_->Exec("INSERT INTO t (u) VALUES ('x')"));
  NJ_EXPECT_ERROR(conn_->Exec("INSERT INTO t (u) VALUES ('x')"), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(conn_->Exec("INSERT INTO t (id) VALUES (1)"), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(conn_->Exec("INSERT INTO t (c) VALUES (-1)"), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(conn_->Exec("INSERT INTO t (n) VALUES (NULL)"), ErrorCode::kInvalidArgument);

  auto stmt = conn_->Prepare("INSERT INTO t (u) VALUES (?)");
  NJ_ASSERT_OK(stmt);
  auto dup = stmt->BindText(1, "x").Run();
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(dup.error().message().find("INSERT INTO t (u) VALUES (?)"), std::string::npos);
  EXPECT_NE(dup.error().message().find("t.u"), std::string::npos) << dup.error().message();
}

TEST_F(SqliteTest, SqliteErrorMapping) {
  EXPECT_EQ(SqliteError(SQLITE_CANTOPEN, ENOENT, "", "").code(), ErrorCode::kNotFound);
  EXPECT_EQ(SqliteError(SQLITE_CANTOPEN, EACCES, "", "").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(SqliteError(SQLITE_FULL, 0, "", "").code(), ErrorCode::kNoSpace);
  EXPECT_EQ(SqliteError(SQLITE_IOERR_WRITE, ENOSPC, "", "").code(), ErrorCode::kNoSpace);
  EXPECT_EQ(SqliteError(SQLITE_IOERR_FSYNC, EIO, "", "").code(), ErrorCode::kIo);
  EXPECT_EQ(SqliteError(SQLITE_BUSY, 0, "", "").code(), ErrorCode::kTimeout);
  EXPECT_EQ(SqliteError(SQLITE_NOTADB, 0, "", "").code(), ErrorCode::kMalformed);
  EXPECT_EQ(SqliteError(SQLITE_CONSTRAINT_FOREIGNKEY, 0, "", "").code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(SqliteError(SQLITE_READONLY, 0, "", "").code(), ErrorCode::kPermissionDenied);
  std::string long_sql(1000, 'x');
  std::string msg = SqliteError(SQLITE_ERROR, 0, "boom", long_sql).message();
  EXPECT_NE(msg.find("boom"), std::string::npos);
  EXPECT_NE(msg.find("xxx..."), std::string::npos);
  EXPECT_LT(msg.size(), 400u);
}

TEST_F(SqliteTest, PrepareRejectsSeveralStatements) {
  NJ_EXPECT_ERROR(conn_->Prepare("SELECT 1; SELECT 2"), ErrorCode::kInternal);
  NJ_EXPECT_ERROR(conn_->Prepare("SELECT 1; SELECT 2"), ErrorCode::kInternal);  // not cached
  NJ_EXPECT_OK(conn_->Prepare("SELECT 1;  "));
}

TEST_F(SqliteTest, CachedStatementsAreResetAndNestable) {
  const char* sql = "SELECT ?";
  {
    auto a = conn_->Prepare(sql);
    NJ_ASSERT_OK(a);
    a->BindInt(1, 7);
    NJ_ASSERT_OK(a->Step());
    // The same text while the first is checked out: an independent statement.
    auto b = conn_->Prepare(sql);
    NJ_ASSERT_OK(b);
    b->BindInt(1, 8);
    NJ_ASSERT_OK(b->Step());
    EXPECT_EQ(a->ColumnInt(0), 7);
    EXPECT_EQ(b->ColumnInt(0), 8);
  }
  // Reused from the cache with its bindings cleared.
  auto c = conn_->Prepare(sql);
  NJ_ASSERT_OK(c);
  auto row = c->Step();
  NJ_ASSERT_OK(row);
  ASSERT_TRUE(*row);
  EXPECT_TRUE(c->ColumnIsNull(0));
}

TEST_F(SqliteTest, TransactionCommitsAndReturnsValue) {
  Result<int64_t> id = conn_->WithTransaction([&]() -> Result<int64_t> {
    EXPECT_TRUE(conn_->InTransaction());
    NJ_CHECK_OK(conn_->Exec("INSERT INTO t (i) VALUES (1)"));
    return conn_->LastInsertRowId();
  });
  NJ_ASSERT_OK(id);
  EXPECT_EQ(*id, 1);
  EXPECT_FALSE(conn_->InTransaction());
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteTest, TransactionRollsBackOnError) {
  auto result = conn_->WithTransaction([&]() -> Result<void> {
    NJ_CHECK_OK(conn_->Exec("INSERT INTO t (i) VALUES (1)"));
    NJ_CHECK_OK(conn_->Exec("INSERT INTO t (c) VALUES (-1)"));  // fails
    return Ok();
  });
  NJ_EXPECT_ERROR(result, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count(), 0);
  EXPECT_FALSE(conn_->InTransaction());

  auto mine = conn_->WithTransaction([&]() -> Result<void> {
    NJ_CHECK_OK(conn_->Exec("INSERT INTO t (i) VALUES (1)"));
    return Err(ErrorCode::kAborted, "changed my mind");
  });
  NJ_EXPECT_ERROR(mine, ErrorCode::kAborted);
  EXPECT_EQ(Count(), 0);
}

TEST_F(SqliteTest, NestedTransactionsUseSavepoints) {
  auto outer = conn_->WithTransaction([&]() -> Result<void> {
    NJ_CHECK_OK(conn_->Exec("INSERT INTO t (i) VALUES (1)"));
    auto inner = conn_->WithTransaction([&]() -> Result<void> {
      NJ_CHECK_OK(conn_->Exec("INSERT INTO t (i) VALUES (2)"));
      return Err(ErrorCode::kAborted, "inner fails");
    });
    EXPECT_FALSE(inner.has_value());
    NJ_CHECK_OK(
        conn_->WithTransaction([&] { return conn_->Exec("INSERT INTO t (i) VALUES (3)"); }));
    return Ok();
  });
  NJ_ASSERT_OK(outer);
  EXPECT_EQ(Count(), 2);
  EXPECT_EQ(*conn_->QueryInt("SELECT sum(i) FROM t"), 4);
}

TEST_F(SqliteTest, FailedCommitRollsBack) {
  // A deferred foreign key is checked at COMMIT, which then fails with the transaction open.
  auto result = conn_->WithTransaction(
      [&]() -> Result<void> { return conn_->Exec("INSERT INTO child (t_id) VALUES (42)"); });
  NJ_EXPECT_ERROR(result, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(conn_->InTransaction());
  EXPECT_EQ(Count("child"), 0);
  // The connection is usable for a new transaction.
  NJ_EXPECT_OK(conn_->WithTransaction([&] { return conn_->Exec("INSERT INTO t (i) VALUES (1)"); }));
}

TEST_F(SqliteTest, BusyWriterLockIsATimeout) {
  auto other = Connection::Open(Path("t.db"), Connection::Mode::kReadWrite);
  NJ_ASSERT_OK(other);
  (*other)->SetBusyTimeout(0);
  auto result = conn_->WithTransaction([&]() -> Result<void> {
    NJ_CHECK_OK(conn_->Exec("INSERT INTO t (i) VALUES (1)"));
    // BEGIN IMMEDIATE takes the write lock up front, so the other writer fails at BEGIN...
    NJ_EXPECT_ERROR((*other)->WithTransaction([&] { return Ok(); }), ErrorCode::kTimeout);
    // ...while a reader (WAL) still sees the last committed state.
    EXPECT_EQ(*(*other)->QueryInt("SELECT count(*) FROM t"), 0);
    return Ok();
  });
  NJ_ASSERT_OK(result);
  EXPECT_EQ(*(*other)->QueryInt("SELECT count(*) FROM t"), 1);
}

TEST_F(SqliteTest, QueryIntWithoutRowIsNotFound) {
  NJ_EXPECT_ERROR(conn_->QueryInt("SELECT i FROM t WHERE id = ?", {5}), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace nightjar::db
