// Helpers shared by the Database implementation files (database.cc, cameras.cc, recordings.cc,
// ...). Private to src/db: includes the SQLite wrapper.
#ifndef NIGHTJAR_DB_DATABASE_INTERNAL_H_
#define NIGHTJAR_DB_DATABASE_INTERNAL_H_

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "db/database.h"
#include "db/sqlite.h"

namespace nightjar::db {

// ListRecordings' condition (?1 stream, ?2 lower bound of start, ?3 to, ?4 from); here so a test
// can check its query plan.
inline constexpr std::string_view kListRecordingsWhere =
    "WHERE stream_id = ?1 AND start_90k > ?2 AND start_90k < ?3 AND "
    "(start_90k + wall_duration_90k > ?4 OR start_90k >= ?4) AND state != 2 "
    "ORDER BY start_90k, composite_id";

template <typename F>
auto Database::Write(F&& fn) -> decltype(fn()) {
  if (read_only_) {
    return Err(ErrorCode::kFailedPrecondition, "database is open read-only");
  }
  return conn_->WithTransaction(std::forward<F>(fn));
}

// A fixed-size blob column (uuid, hash); kMalformed if the stored length differs.
template <size_t N>
Result<std::array<uint8_t, N>> ToArray(std::span<const uint8_t> blob, std::string_view what) {
  if (blob.size() != N) {
    return Err(ErrorCode::kMalformed, std::string(what) + " has " + std::to_string(blob.size()) +
                                          " bytes, expected " + std::to_string(N));
  }
  std::array<uint8_t, N> out;
  std::copy(blob.begin(), blob.end(), out.begin());
  return out;
}

inline Error NotFound(std::string what) { return Error(ErrorCode::kNotFound, std::move(what)); }

// Steps stmt to the end, converting each row with read (Statement& -> Result<Row>).
template <typename Row, typename ReadFn>
Result<std::vector<Row>> CollectRows(Statement& stmt, ReadFn read) {
  std::vector<Row> rows;
  while (true) {
    NJ_TRY(bool more, stmt.Step());
    if (!more) break;
    NJ_TRY(Row row, read(stmt));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Steps stmt once and converts the row; kNotFound (message `what`) when there is none.
template <typename Row, typename ReadFn>
Result<Row> OneRow(Statement& stmt, ReadFn read, std::string what) {
  NJ_TRY(bool found, stmt.Step());
  if (!found) return Err(NotFound(std::move(what)));
  return read(stmt);
}

// kNotFound (message `what`) if the last UPDATE/DELETE changed no row.
inline Result<void> RequireChanged(Connection& conn, std::string what) {
  if (conn.Changes() == 0) return Err(NotFound(std::move(what)));
  return Ok();
}

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_DATABASE_INTERNAL_H_
