#include "db/sqlite.h"

#include <sqlite3.h>

#include <cerrno>
#include <utility>

namespace nightjar::db {

namespace {

// Long statements (migration scripts) are cut in error messages; the start identifies them.
constexpr size_t kMaxSqlInMessage = 240;

ErrorCode CodeFor(int code, int system_errno) {
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return ErrorCode::kAlreadyExists;
      }
      if (code == SQLITE_CONSTRAINT_FOREIGNKEY) return ErrorCode::kFailedPrecondition;
      return ErrorCode::kInvalidArgument;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kTimeout;
    case SQLITE_FULL:
      return ErrorCode::kNoSpace;
    case SQLITE_CANTOPEN:
      if (system_errno == ENOENT) return ErrorCode::kNotFound;
      if (system_errno == EACCES || system_errno == EPERM) return ErrorCode::kPermissionDenied;
      return ErrorCode::kIo;
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      return ErrorCode::kPermissionDenied;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kMalformed;
    case SQLITE_INTERRUPT:
      return ErrorCode::kAborted;
    case SQLITE_IOERR:
      return system_errno == ENOSPC ? ErrorCode::kNoSpace : ErrorCode::kIo;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

Error SqliteError(int code, int system_errno, std::string_view detail, std::string_view sql) {
  std::string msg = "sqlite: ";
  msg += detail;
  msg += " (";
  msg += sqlite3_errstr(code);
  msg += ", code ";
  msg += std::to_string(code);
  msg += ")";
  if (!sql.empty()) {
    msg += " in \"";
    if (sql.size() > kMaxSqlInMessage) {
      msg += sql.substr(0, kMaxSqlInMessage);
      msg += "...";
    } else {
      msg += sql;
    }
    msg += "\"";
  }
  return Error(CodeFor(code, system_errno), std::move(msg));
}

// ---- Statement ------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      cached_(other.cached_),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    conn_ = std::exchange(other.conn_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    cached_ = other.cached_;
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (cached_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    conn_->ReturnToCache(stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
}

std::string_view Statement::sql() const {
  const char* s = sqlite3_sql(stmt_);
  return s == nullptr ? std::string_view() : std::string_view(s);
}

void Statement::NoteBindResult(int rc, int index) {
  if (rc == SQLITE_OK || bind_error_) return;
  bind_error_ = SqliteError(rc, 0, "binding parameter " + std::to_string(index), sql());
}

int Statement::ParamIndex(std::string_view name) {
  int index = sqlite3_bind_parameter_index(stmt_, std::string(name).c_str());
  if (index == 0 && !bind_error_) {
    bind_error_ = SqliteError(SQLITE_RANGE, 0, "no parameter named " + std::string(name), sql());
  }
  return index;
}

Statement& Statement::BindInt(int index, int64_t value) {
  NoteBindResult(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  // A null data pointer would bind NULL, not ''.
  const char* data = value.data() == nullptr ? "" : value.data();
  NoteBindResult(
      sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const uint8_t> value) {
  // An empty blob must still be a (zero-length) blob: NOT NULL columns such as video_index hold
  // one while a recording has no samples yet.
  int rc = value.empty()
               ? sqlite3_bind_zeroblob(stmt_, index, 0)
               : sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  NoteBindResult(rc, index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Statement& Statement::BindOptInt(int index, std::optional<int64_t> value) {
  return value ? BindInt(index, *value) : BindNull(index);
}

Statement& Statement::BindOptText(int index, const std::optional<std::string>& value) {
  return value ? BindText(index, *value) : BindNull(index);
}

Statement& Statement::BindOptBlob(int index, const std::optional<std::vector<uint8_t>>& value) {
  return value ? BindBlob(index, *value) : BindNull(index);
}

Statement& Statement::BindInt(std::string_view name, int64_t value) {
  return BindInt(ParamIndex(name), value);
}
Statement& Statement::BindText(std::string_view name, std::string_view value) {
  return BindText(ParamIndex(name), value);
}
Statement& Statement::BindBlob(std::string_view name, std::span<const uint8_t> value) {
  return BindBlob(ParamIndex(name), value);
}
Statement& Statement::BindNull(std::string_view name) { return BindNull(ParamIndex(name)); }

Result<bool> Statement::Step() {
  if (bind_error_) return Err(*bind_error_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = conn_->LastError(rc, sql());
  sqlite3_reset(stmt_);
  return Err(std::move(e));
}

Result<void> Statement::Run() {
  NJ_TRY(bool row, Step());
  if (row) {
    return Err(ErrorCode::kInternal,
               "sqlite: statement returned a row where none was expected: " + std::string(sql()));
  }
  return Ok();
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::ColumnOptInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

std::string Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}

std::optional<std::string> Statement::ColumnOptText(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnText(col);
}

std::span<const uint8_t> Statement::ColumnBlobView(int col) const {
  const void* blob = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (blob == nullptr || n <= 0) return {};
  return {static_cast<const uint8_t*>(blob), static_cast<size_t>(n)};
}

std::vector<uint8_t> Statement::ColumnBlob(int col) const {
  auto view = ColumnBlobView(col);
  return std::vector<uint8_t>(view.begin(), view.end());
}

std::optional<std::vector<uint8_t>> Statement::ColumnOptBlob(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnBlob(col);
}

// ---- Connection -----------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case Mode::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Mode::kReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.empty() ? ":memory:" : path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db == nullptr ? SqliteError(rc, 0, "out of memory", "")
                            : SqliteError(sqlite3_extended_errcode(db), sqlite3_system_errno(db),
                                          sqlite3_errmsg(db), "");
    sqlite3_close_v2(db);
    return Err(e.Wrap("opening database " + path));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  // _v2: should a Statement (wrongly) outlive us, the handle lingers instead of leaking locks.
  sqlite3_close_v2(db_);
}

Error Connection::LastError(int rc, std::string_view sql) const {
  int code = sqlite3_extended_errcode(db_);
  if ((code & 0xff) != (rc & 0xff)) code = rc;
  return SqliteError(code, sqlite3_system_errno(db_), sqlite3_errmsg(db_), sql);
}

Result<void> Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* errmsg = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &errmsg);
  if (rc == SQLITE_OK) return Ok();
  std::string detail = errmsg != nullptr ? errmsg : sqlite3_errmsg(db_);
  sqlite3_free(errmsg);
  int code = sqlite3_extended_errcode(db_);
  if ((code & 0xff) != (rc & 0xff)) code = rc;
  return Err(SqliteError(code, sqlite3_system_errno(db_), detail, sql));
}

Result<Statement> Connection::Prepare(std::string_view sql, bool cache) {
  if (cache) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      sqlite3_stmt* stmt = it->second;
      cache_.erase(it);  // checked out; a nested Prepare of the same text compiles another copy
      return Statement(this, stmt, true);
    }
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return Err(LastError(rc, sql));
  if (stmt == nullptr) {
    return Err(ErrorCode::kInternal, "sqlite: empty statement \"" + std::string(sql) + "\"");
  }
  for (const char* p = tail; p != nullptr && p < sql.data() + sql.size(); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != ';') {
      sqlite3_finalize(stmt);
      return Err(ErrorCode::kInternal,
                 "sqlite: more than one statement in \"" + std::string(sql) + "\"");
    }
  }
  return Statement(this, stmt, cache);
}

void Connection::ReturnToCache(sqlite3_stmt* stmt) {
  auto [it, inserted] = cache_.try_emplace(sqlite3_sql(stmt), stmt);
  if (!inserted) sqlite3_finalize(stmt);
}

Result<int64_t> Connection::QueryInt(std::string_view sql, std::initializer_list<int64_t> args) {
  NJ_TRY(Statement stmt, Prepare(sql, /*cache=*/false));
  int index = 1;
  for (int64_t arg : args) stmt.BindInt(index++, arg);
  NJ_TRY(bool row, stmt.Step());
  if (!row) return Err(ErrorCode::kNotFound, "sqlite: no row from \"" + std::string(sql) + "\"");
  return stmt.ColumnInt(0);
}

void Connection::SetBusyTimeout(int millis) { sqlite3_busy_timeout(db_, millis); }

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

Result<void> Connection::BeginTransaction() {
  if (tx_depth_ == 0) {
    NJ_CHECK_OK(Exec("BEGIN IMMEDIATE"));
  } else {
    NJ_CHECK_OK(Exec("SAVEPOINT nj_sp" + std::to_string(tx_depth_)));
  }
  ++tx_depth_;
  return Ok();
}

Result<void> Connection::CommitTransaction() {
  if (tx_depth_ == 1) {
    tx_depth_ = 0;
    auto committed = Exec("COMMIT");
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY) or may already have rolled it
    // back (I/O errors); either way nothing of it must survive.
    if (!committed && sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
    return committed;
  }
  --tx_depth_;
  std::string name = "nj_sp" + std::to_string(tx_depth_);
  auto released = Exec("RELEASE " + name);
  if (!released && sqlite3_get_autocommit(db_) == 0) {
    (void)Exec("ROLLBACK TO " + name);
    (void)Exec("RELEASE " + name);
  }
  return released;
}

void Connection::RollbackTransaction() {
  // Errors here are dropped: the caller returns the error that caused the rollback, and SQLite
  // may already have rolled back on its own (SQLITE_FULL, SQLITE_IOERR), which ends the
  // transaction just the same.
  if (tx_depth_ == 1) {
    tx_depth_ = 0;
    if (sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
    return;
  }
  --tx_depth_;
  if (sqlite3_get_autocommit(db_) != 0) return;
  std::string name = "nj_sp" + std::to_string(tx_depth_);
  (void)Exec("ROLLBACK TO " + name);
  (void)Exec("RELEASE " + name);
}

}  // namespace nightjar::db
