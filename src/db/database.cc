#include "db/database.h"

#include <sodium.h>

#include <utility>

#include "db/database_internal.h"
#include "db/schema.h"
#include "db/sqlite.h"

namespace nightjar::db {

namespace {

Uuid RandomUuid() {
  Uuid uuid;
  randombytes_buf(uuid.data(), uuid.size());
  return uuid;
}

Connection::Mode ConnectionMode(OpenMode mode) {
  switch (mode) {
    case OpenMode::kCreate:
    case OpenMode::kEdit:
      return Connection::Mode::kReadWriteCreate;
    case OpenMode::kReadWrite:
      return Connection::Mode::kReadWrite;
    case OpenMode::kReadOnly:
      break;
  }
  return Connection::Mode::kReadOnly;
}

Result<OpenRow> ReadOpen(Statement& stmt) {
  OpenRow row;
  row.id = stmt.ColumnInt(0);
  NJ_TRY(row.uuid, ToArray<16>(stmt.ColumnBlobView(1), "open.uuid"));
  row.start = Time90k(stmt.ColumnInt(2));
  if (auto end = stmt.ColumnOptInt(3)) row.end = Time90k(*end);
  return row;
}

}  // namespace

Database::Database(std::unique_ptr<Connection> conn, Clock& clock, bool read_only)
    : conn_(std::move(conn)), clock_(clock), read_only_(read_only) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, OpenMode mode,
                                                 Clock& clock) {
  // randombytes_buf needs it; idempotent and thread-safe.
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  NJ_TRY(auto conn, Connection::Open(path, ConnectionMode(mode)));
  bool read_write = mode != OpenMode::kReadOnly;
  NJ_CHECK_OK(ConfigureConnection(*conn, read_write));
  if (mode == OpenMode::kReadWrite) {
    // Must already be a Nightjar database (older versions are migrated below).
    NJ_TRY(int version, SchemaVersion(*conn));
    if (version == 0) NJ_CHECK_OK(CheckSchemaVersion(*conn));
  }
  if (read_write) {
    NJ_CHECK_OK(Migrate(*conn));
  } else {
    NJ_CHECK_OK(CheckSchemaVersion(*conn));
  }
  std::unique_ptr<Database> db(new Database(std::move(conn), clock, !read_write));
  if (read_write) {
    NJ_CHECK_OK(db->InitReadWrite(mode != OpenMode::kEdit));
  } else {
    NJ_CHECK_OK(db->LoadMeta());
  }
  return db;
}

Result<void> Database::LoadMeta() {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT uuid FROM meta WHERE id = 1"));
  NJ_TRY(bool found, stmt.Step());
  if (!found) {
    return Err(ErrorCode::kFailedPrecondition,
               "database has no meta row: it was never opened read-write to completion");
  }
  NJ_TRY(uuid_, ToArray<16>(stmt.ColumnBlobView(0), "meta.uuid"));
  return Ok();
}

Result<void> Database::InitReadWrite(bool record_open) {
  return conn_->WithTransaction([&]() -> Result<void> {
    // A new database gets its identity here (also one that crashed between migration and now).
    NJ_TRY(int64_t has_meta, conn_->QueryInt("SELECT count(*) FROM meta"));
    if (has_meta == 0) {
      Uuid uuid = RandomUuid();
      NJ_TRY(Statement insert,
             conn_->Prepare("INSERT INTO meta (id, uuid, created_90k) VALUES (1, ?, ?)"));
      NJ_CHECK_OK(insert.BindBlob(1, uuid).BindInt(2, clock_.Now().ticks()).Run());
    }
    NJ_CHECK_OK(LoadMeta());
    if (!record_open) return Ok();
    Uuid open_uuid = RandomUuid();
    NJ_TRY(Statement insert, conn_->Prepare("INSERT INTO open (uuid, start_90k) VALUES (?, ?)"));
    NJ_CHECK_OK(insert.BindBlob(1, open_uuid).BindInt(2, clock_.Now().ticks()).Run());
    open_id_ = conn_->LastInsertRowId();
    return Ok();
  });
}

Result<void> Database::MarkCleanShutdown() {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE open SET end_90k = ? WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, clock_.Now().ticks()).BindInt(2, open_id_).Run());
    return RequireChanged(*conn_, "open row " + std::to_string(open_id_));
  });
}

Result<std::vector<OpenRow>> Database::ListOpens() {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT id, uuid, start_90k, end_90k FROM open ORDER BY id"));
  return CollectRows<OpenRow>(stmt, ReadOpen);
}

Result<void> Database::VerifySchema() { return db::VerifySchema(*conn_); }

Result<void> Database::CheckIntegrity() { return db::CheckIntegrity(*conn_); }

Result<void> Database::Batch(const std::function<Result<void>()>& fn) { return Write(fn); }

}  // namespace nightjar::db
