// Database: table event.
#include <algorithm>

#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kEventColumns =
    "id, camera_id, start_90k, end_90k, kind, protected, data_json";

// Overlap with [from, to) (?2, ?3); an instant event (start == end) overlaps when from <= start.
// start_90k < ?3 lets the event_by_time index bound the scan.
constexpr std::string_view kOverlaps =
    "camera_id = ?1 AND start_90k < ?3 AND (end_90k > ?2 OR start_90k >= ?2)";

Result<EventRow> ReadEvent(Statement& stmt) {
  EventRow row;
  row.id = stmt.ColumnInt(0);
  row.camera_id = stmt.ColumnInt(1);
  row.start = Time90k(stmt.ColumnInt(2));
  row.end = Time90k(stmt.ColumnInt(3));
  row.kind = stmt.ColumnText(4);
  row.is_protected = stmt.ColumnInt(5) != 0;
  row.data_json = stmt.ColumnText(6);
  return row;
}

}  // namespace

Result<int64_t> Database::InsertEvent(const EventRow& row) {
  if (row.end < row.start) {
    return Err(ErrorCode::kInvalidArgument, "event ends before it starts");
  }
  if (row.kind.empty()) return Err(ErrorCode::kInvalidArgument, "event kind must not be empty");
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("INSERT INTO event (camera_id, start_90k, end_90k, kind, protected, "
                          "data_json) VALUES (?, ?, ?, ?, ?, ?)"));
    NJ_CHECK_OK(stmt.BindInt(1, row.camera_id)
                    .BindInt(2, row.start.ticks())
                    .BindInt(3, row.end.ticks())
                    .BindText(4, row.kind)
                    .BindInt(5, row.is_protected ? 1 : 0)
                    .BindText(6, row.data_json)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<std::vector<EventRow>> Database::ListEvents(int64_t camera_id, Time90k from, Time90k to) {
  if (to <= from) return std::vector<EventRow>();
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kEventColumns) + " FROM event WHERE " +
                        std::string(kOverlaps) + " ORDER BY start_90k, id"));
  stmt.BindInt(1, camera_id).BindInt(2, from.ticks()).BindInt(3, to.ticks());
  return CollectRows<EventRow>(stmt, ReadEvent);
}

Result<std::vector<TimeRange>> Database::ProtectedRanges(int64_t camera_id, Time90k from,
                                                         Time90k to) {
  if (to <= from) return std::vector<TimeRange>();
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT start_90k, end_90k FROM event WHERE " + std::string(kOverlaps) +
                        " AND protected != 0 ORDER BY start_90k"));
  stmt.BindInt(1, camera_id).BindInt(2, from.ticks()).BindInt(3, to.ticks());
  std::vector<TimeRange> ranges;
  while (true) {
    NJ_TRY(bool more, stmt.Step());
    if (!more) break;
    TimeRange r{Time90k(stmt.ColumnInt(0)), Time90k(stmt.ColumnInt(1))};
    // Sorted by start, so each range either extends the last one or starts a new one.
    if (!ranges.empty() && r.start <= ranges.back().end) {
      ranges.back().end = std::max(ranges.back().end, r.end);
    } else {
      ranges.push_back(r);
    }
  }
  return ranges;
}

}  // namespace nightjar::db
