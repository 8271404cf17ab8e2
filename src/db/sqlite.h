// A small RAII layer over the SQLite C API, private to src/db.
//
// This module owns every call into libsqlite3: opening a connection, preparing, binding and
// stepping statements, transactions, and the conversion of SQLite result codes into
// nightjar::Error (with the failing SQL in the message). Nothing outside src/db includes it, and it
// does not include <sqlite3.h> itself (the handles are forward-declared), so SQLite stays an
// implementation detail of the db module (CONVENTIONS.md).
//
// Thread safety: a Connection and its Statements are used by one thread at a time (connections
// are opened with SQLITE_OPEN_NOMUTEX). Other processes may use the same file concurrently; the
// busy timeout (kBusyTimeoutMillis) makes them wait for each other's write locks.
#ifndef NIGHTJAR_DB_SQLITE_H_
#define NIGHTJAR_DB_SQLITE_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nightjar::db {

class Connection;

// How long a connection waits for another connection's lock before failing with kTimeout. Long
// enough to ride out a checkpoint of the writer, short enough that a stuck process is noticed.
inline constexpr int kBusyTimeoutMillis = 10'000;

// Converts a SQLite result code (primary or extended) into an Error. `detail` is SQLite's message
// and `sql` the statement text (truncated in the message). Exposed for tests.
//   UNIQUE / PRIMARY KEY constraint -> kAlreadyExists   FOREIGN KEY constraint ->
//   kFailedPrecondition other constraints (CHECK, NOT NULL) -> kInvalidArgument   BUSY / LOCKED ->
//   kTimeout FULL -> kNoSpace   CANTOPEN with ENOENT -> kNotFound   PERM / AUTH / READONLY ->
//   kPermissionDenied CORRUPT / NOTADB -> kMalformed   INTERRUPT -> kAborted   IOERR / CANTOPEN ->
//   kIo   else kInternal
Error SqliteError(int code, int system_errno, std::string_view detail, std::string_view sql);

// A prepared statement. Move-only; must not outlive its Connection.
//
// Bind* calls return *this so they can be chained; a failing bind (index out of range, unknown
// name) is remembered and returned by the next Step()/Run(), so callers check once.
// Parameter indexes are 1-based (as in SQLite); column indexes are 0-based.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  // Resets the statement and, if it came from the connection's cache, returns it there.
  ~Statement();

  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::span<const uint8_t> value);
  Statement& BindNull(int index);
  // Binds the value, or NULL when it is empty.
  Statement& BindOptInt(int index, std::optional<int64_t> value);
  Statement& BindOptText(int index, const std::optional<std::string>& value);
  Statement& BindOptBlob(int index, const std::optional<std::vector<uint8_t>>& value);

  // The same by parameter name, including its prefix (":id").
  Statement& BindInt(std::string_view name, int64_t value);
  Statement& BindText(std::string_view name, std::string_view value);
  Statement& BindBlob(std::string_view name, std::span<const uint8_t> value);
  Statement& BindNull(std::string_view name);

  // Runs the statement to its next row: true when a row is available through Column*, false when
  // the statement is done. Fails on any SQLite error (or an earlier bind error).
  Result<bool> Step();
  // Steps once and requires the statement to be done (INSERT/UPDATE/DELETE and DDL).
  Result<void> Run();
  // Rewinds the statement so it can be stepped again with new bindings (bindings are kept).
  void Reset();

  // Column getters for the current row. A NULL reads as 0 / "" / empty.
  bool ColumnIsNull(int col) const;
  int64_t ColumnInt(int col) const;
  std::optional<int64_t> ColumnOptInt(int col) const;
  std::string ColumnText(int col) const;
  std::optional<std::string> ColumnOptText(int col) const;
  std::vector<uint8_t> ColumnBlob(int col) const;
  std::optional<std::vector<uint8_t>> ColumnOptBlob(int col) const;
  // The blob as a view valid until the next Step/Reset/destruction.
  std::span<const uint8_t> ColumnBlobView(int col) const;

  // The SQL text the statement was prepared from.
  std::string_view sql() const;

 private:
  friend class Connection;
  Statement(Connection* conn, sqlite3_stmt* stmt, bool cached)
      : conn_(conn), stmt_(stmt), cached_(cached) {}
  int ParamIndex(std::string_view name);
  void NoteBindResult(int rc, int index);
  void Release();

  Connection* conn_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool cached_ = false;
  std::optional<Error> bind_error_;
};

// One open database connection. Move-free (held by unique_ptr); closes the handle on destruction.
class Connection {
 public:
  enum class Mode {
    kReadOnly,         // SQLITE_OPEN_READONLY; the file must exist
    kReadWrite,        // the file must exist
    kReadWriteCreate,  // created if missing
  };

  // Opens `path` ("" or ":memory:" for a private in-memory database) and sets the busy timeout and
  // extended result codes. A missing file (kReadOnly, kReadWrite) fails with kNotFound.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more ;-separated statements, discarding any rows (DDL, PRAGMAs).
  Result<void> Exec(std::string_view sql);

  // Prepares one statement. With cache = true (for statements run over and over) the compiled
  // statement is kept by the connection after the returned Statement is destroyed and reused by
  // the next Prepare of the same text.
  Result<Statement> Prepare(std::string_view sql, bool cache = true);

  // Runs `sql` (bound with `args` in order) and returns the first column of its single row.
  // kNotFound when there is no row.
  Result<int64_t> QueryInt(std::string_view sql, std::initializer_list<int64_t> args = {});

  // Runs fn() inside a transaction and returns its result. The outermost call uses BEGIN IMMEDIATE
  // (the write lock is taken up front, so the transaction can never fail half-way with
  // SQLITE_BUSY on lock upgrade); nested calls use a SAVEPOINT. If fn returns an error, everything
  // it did is rolled back and the error returned; if COMMIT fails, the transaction is rolled back
  // and the commit error returned. fn must propagate errors of the calls it makes.
  template <typename F>
  auto WithTransaction(F&& fn) -> decltype(fn()) {
    NJ_CHECK_OK(BeginTransaction());
    auto result = fn();
    if (!result) {
      RollbackTransaction();
      return result;
    }
    NJ_CHECK_OK(CommitTransaction());
    return result;
  }

  // Replaces kBusyTimeoutMillis for this connection (0: fail at once with kTimeout).
  void SetBusyTimeout(int millis);

  int64_t LastInsertRowId() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  bool InTransaction() const { return tx_depth_ > 0; }

  // An Error for the connection's most recent failure, as SqliteError.
  Error LastError(int rc, std::string_view sql) const;

 private:
  friend class Statement;
  explicit Connection(sqlite3* db) : db_(db) {}
  Result<void> BeginTransaction();
  Result<void> CommitTransaction();
  void RollbackTransaction();
  // Takes back a cached statement after use (or finalizes it if the slot is taken).
  void ReturnToCache(sqlite3_stmt* stmt);

  sqlite3* db_;
  int tx_depth_ = 0;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_SQLITE_H_
