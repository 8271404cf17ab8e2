// Database: tables recording and recording_index (docs/schema.md §Recording lifecycle).
#include <cstdint>
#include <limits>

#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kRecordingColumns =
    "composite_id, stream_id, open_id, state, flags, run_start_id, start_90k, "
    "wall_duration_90k, media_duration_90k, video_samples, video_sync_samples, audio_samples, "
    "sample_file_bytes, video_sample_entry_id, audio_sample_entry_id, sample_file_blake2b";

std::string SelectRecordings(std::string_view where) {
  return "SELECT " + std::string(kRecordingColumns) + " FROM recording " + std::string(where);
}

// "recording 1/23": stream id / recording id, as logs and errors name recordings.
std::string Name(int64_t composite_id) {
  return "recording " + std::to_string(StreamIdOf(composite_id)) + "/" +
         std::to_string(RecordingIdOf(composite_id));
}

Result<RecordingRow> ReadRecording(Statement& stmt) {
  RecordingRow row;
  row.composite_id = stmt.ColumnInt(0);
  row.stream_id = stmt.ColumnInt(1);
  row.open_id = stmt.ColumnInt(2);
  int64_t state = stmt.ColumnInt(3);
  if (state < 0 || state > 2) {
    return Err(ErrorCode::kMalformed,
               Name(row.composite_id) + " has state " + std::to_string(state));
  }
  row.state = static_cast<RecordingState>(state);
  row.flags = stmt.ColumnInt(4);
  row.run_start_id = stmt.ColumnInt(5);
  row.start = Time90k(stmt.ColumnInt(6));
  row.wall_duration = Duration90k(stmt.ColumnInt(7));
  row.media_duration = Duration90k(stmt.ColumnInt(8));
  row.video_samples = stmt.ColumnInt(9);
  row.video_sync_samples = stmt.ColumnInt(10);
  row.audio_samples = stmt.ColumnInt(11);
  row.sample_file_bytes = stmt.ColumnInt(12);
  row.video_sample_entry_id = stmt.ColumnInt(13);
  row.audio_sample_entry_id = stmt.ColumnOptInt(14);
  if (!stmt.ColumnIsNull(15)) {
    NJ_TRY(row.sample_file_hash, DecodeSampleFileHash(stmt.ColumnBlobView(15)));
  }
  return row;
}

Result<RecordingIndexRow> ReadIndex(Statement& stmt) {
  RecordingIndexRow row;
  row.composite_id = stmt.ColumnInt(0);
  row.video_index = stmt.ColumnBlob(1);
  row.audio_index = stmt.ColumnOptBlob(2);
  row.chunk_index = stmt.ColumnOptBlob(3);
  return row;
}

Result<void> CheckFlags(int64_t flags) {
  if ((flags & ~kRecordingKnownFlags) != 0) {
    return Err(ErrorCode::kInvalidArgument, "unknown recording flag bits " + std::to_string(flags));
  }
  return Ok();
}

// The checks shared by InsertRecording and UpdateRecordings.
Result<void> CheckTotals(int64_t flags, Duration90k wall, Duration90k media, int64_t video,
                         int64_t sync, int64_t audio, int64_t bytes) {
  NJ_CHECK_OK(CheckFlags(flags));
  if (wall < Duration90k(0) || wall > kMaxRecordingDuration) {
    return Err(ErrorCode::kInvalidArgument, "recording wall duration " +
                                                std::to_string(wall.ticks()) +
                                                " outside [0, kMaxRecordingDuration]");
  }
  if (media < Duration90k(0) || video < 0 || sync < 0 || sync > video || audio < 0 || bytes < 0) {
    return Err(ErrorCode::kInvalidArgument,
               "recording has a negative duration, count or size, or more sync samples than "
               "samples");
  }
  return Ok();
}

// Why an UPDATE ... WHERE state = X matched nothing: the row is missing or in another state.
Error StateMismatch(Connection& conn, int64_t composite_id, RecordingState expected) {
  auto state = conn.QueryInt("SELECT state FROM recording WHERE composite_id = ?", {composite_id});
  if (!state) {
    return state.error().code() == ErrorCode::kNotFound ? NotFound(Name(composite_id))
                                                        : state.error();
  }
  return Error(ErrorCode::kFailedPrecondition,
               Name(composite_id) + " is " +
                   std::string(RecordingStateName(static_cast<RecordingState>(*state))) + ", not " +
                   std::string(RecordingStateName(expected)));
}

}  // namespace

Result<void> Database::ReserveRecordingIds(int64_t stream_id, int64_t at_least) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE stream SET next_recording_id = "
                                          "max(next_recording_id, ?) WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, at_least).BindInt(2, stream_id).Run());
    if (conn_->Changes() == 0) return Err(NotFound("stream " + std::to_string(stream_id)));
    return Ok();
  });
}

Result<int64_t> Database::InsertRecording(RecordingRow row, const RecordingIndexRow& index) {
  NJ_CHECK_OK(CheckTotals(row.flags, row.wall_duration, row.media_duration, row.video_samples,
                          row.video_sync_samples, row.audio_samples, row.sample_file_bytes));
  if (row.stream_id <= 0 || row.stream_id > std::numeric_limits<int32_t>::max()) {
    return Err(ErrorCode::kInvalidArgument,
               "stream id " + std::to_string(row.stream_id) + " cannot form composite ids");
  }
  return Write([&]() -> Result<int64_t> {
    int64_t next;
    {
      NJ_TRY(Statement stmt, conn_->Prepare("SELECT next_recording_id FROM stream WHERE id = ?"));
      stmt.BindInt(1, row.stream_id);
      NJ_TRY(bool found, stmt.Step());
      if (!found) return Err(NotFound("stream " + std::to_string(row.stream_id)));
      next = stmt.ColumnInt(0);
    }
    if (next > 0xffffffff) {
      return Err(ErrorCode::kFailedPrecondition,
                 "stream " + std::to_string(row.stream_id) + " has used all 2^32 recording ids");
    }
    const int64_t id = CompositeId(row.stream_id, next);
    if (row.run_start_id == 0) row.run_start_id = id;
    if (StreamIdOf(row.run_start_id) != row.stream_id || row.run_start_id > id) {
      return Err(ErrorCode::kInvalidArgument, "run_start_id " + std::to_string(row.run_start_id) +
                                                  " is not an earlier " + "recording of stream " +
                                                  std::to_string(row.stream_id));
    }
    if (row.open_id == 0) row.open_id = open_id_;
    {
      NJ_TRY(Statement bump, conn_->Prepare("UPDATE stream SET next_recording_id = "
                                            "next_recording_id + 1 WHERE id = ?"));
      NJ_CHECK_OK(bump.BindInt(1, row.stream_id).Run());
    }
    NJ_TRY(Statement insert,
           conn_->Prepare("INSERT INTO recording (" + std::string(kRecordingColumns) +
                          ") VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                          "?, ?, NULL)"));
    NJ_CHECK_OK(insert.BindInt(1, id)
                    .BindInt(2, row.stream_id)
                    .BindInt(3, row.open_id)
                    .BindInt(4, row.flags)
                    .BindInt(5, row.run_start_id)
                    .BindInt(6, row.start.ticks())
                    .BindInt(7, row.wall_duration.ticks())
                    .BindInt(8, row.media_duration.ticks())
                    .BindInt(9, row.video_samples)
                    .BindInt(10, row.video_sync_samples)
                    .BindInt(11, row.audio_samples)
                    .BindInt(12, row.sample_file_bytes)
                    .BindInt(13, row.video_sample_entry_id)
                    .BindOptInt(14, row.audio_sample_entry_id)
                    .Run());
    NJ_TRY(Statement insert_index,
           conn_->Prepare("INSERT INTO recording_index (composite_id, video_index, audio_index, "
                          "chunk_index) VALUES (?, ?, ?, ?)"));
    NJ_CHECK_OK(insert_index.BindInt(1, id)
                    .BindBlob(2, index.video_index)
                    .BindOptBlob(3, index.audio_index)
                    .BindOptBlob(4, index.chunk_index)
                    .Run());
    return id;
  });
}

Result<void> Database::UpdateRecordings(std::span<const RecordingUpdate> updates) {
  for (const RecordingUpdate& u : updates) {
    auto ok = CheckTotals(u.flags, u.wall_duration, u.media_duration, u.video_samples,
                          u.video_sync_samples, u.audio_samples, u.sample_file_bytes);
    if (!ok) return Err(ok.error().Wrap(Name(u.composite_id)));
  }
  return Write([&]() -> Result<void> {
    for (const RecordingUpdate& u : updates) {
      // kRecordingProtected is OR-ed in, never cleared: a user may protect a recording while it
      // is being written (SetRecordingFlags), and the writer's next checkpoint must keep that.
      NJ_TRY(Statement stmt,
             conn_->Prepare("UPDATE recording SET flags = (flags & ?1) | ?2, "
                            "wall_duration_90k = ?3, media_duration_90k = ?4, video_samples = ?5, "
                            "video_sync_samples = ?6, audio_samples = ?7, sample_file_bytes = ?8, "
                            "state = ?9, sample_file_blake2b = ?10 "
                            "WHERE composite_id = ?11 AND state = 0"));
      stmt.BindInt(1, kRecordingProtected)
          .BindInt(2, u.flags)
          .BindInt(3, u.wall_duration.ticks())
          .BindInt(4, u.media_duration.ticks())
          .BindInt(5, u.video_samples)
          .BindInt(6, u.video_sync_samples)
          .BindInt(7, u.audio_samples)
          .BindInt(8, u.sample_file_bytes)
          .BindInt(9, static_cast<int64_t>(u.written_hash ? RecordingState::kWritten
                                                          : RecordingState::kWriting))
          .BindInt(11, u.composite_id);
      if (u.written_hash) {
        stmt.BindBlob(10, EncodeSampleFileHash(*u.written_hash));
      } else {
        stmt.BindNull(10);
      }
      NJ_CHECK_OK(stmt.Run());
      if (conn_->Changes() == 0) {
        return Err(StateMismatch(*conn_, u.composite_id, RecordingState::kWriting));
      }
      NJ_TRY(Statement index,
             conn_->Prepare("INSERT INTO recording_index (composite_id, video_index, "
                            "audio_index, chunk_index) VALUES (?1, ?2, ?3, ?4) "
                            "ON CONFLICT (composite_id) DO UPDATE SET video_index = ?2, "
                            "audio_index = ?3, chunk_index = ?4"));
      NJ_CHECK_OK(index.BindInt(1, u.composite_id)
                      .BindBlob(2, u.video_index)
                      .BindOptBlob(3, u.audio_index)
                      .BindOptBlob(4, u.chunk_index)
                      .Run());
    }
    return Ok();
  });
}

Result<std::vector<RecordingRow>> Database::ListRecordings(int64_t stream_id, Time90k from,
                                                           Time90k to) {
  if (to <= from) return std::vector<RecordingRow>();
  // start > from - kMaxRecordingDuration bounds the index scan from below (see the header).
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t lower = from.ticks() < kMin + kMaxRecordingDuration.ticks()
                      ? kMin
                      : from.ticks() - kMaxRecordingDuration.ticks();
  NJ_TRY(Statement stmt, conn_->Prepare(SelectRecordings(kListRecordingsWhere)));
  stmt.BindInt(1, stream_id).BindInt(2, lower).BindInt(3, to.ticks()).BindInt(4, from.ticks());
  return CollectRows<RecordingRow>(stmt, ReadRecording);
}

Result<std::vector<std::pair<Time90k, Time90k>>> Database::ListRecordingSpans(int64_t stream_id,
                                                                              Time90k from,
                                                                              Time90k to) {
  std::vector<std::pair<Time90k, Time90k>> out;
  if (from <= Time90k(INT64_MIN / 4) && to >= Time90k(INT64_MAX / 4)) {
    // All of them: the stream's rows lie together in the table (composite ids), so reading them
    // in id order is a walk along the table's leaves, where the time index would cost a lookup
    // of the row per entry (0.07 s instead of 0.12 s for a year of one-minute recordings, warm
    // cache). Ids follow starts except after the wall clock stepped back: sorted then.
    NJ_TRY(Statement stmt, conn_->Prepare("SELECT start_90k, start_90k + wall_duration_90k "
                                          "FROM recording WHERE composite_id >= ? AND "
                                          "composite_id < ? AND state != 2"));
    stmt.BindInt(1, CompositeId(stream_id, 0)).BindInt(2, CompositeId(stream_id + 1, 0));
    for (;;) {
      NJ_TRY(bool row, stmt.Step());
      if (!row) break;
      out.emplace_back(Time90k(stmt.ColumnInt(0)), Time90k(stmt.ColumnInt(1)));
    }
    const auto by_start = [](const auto& a, const auto& b) { return a.first < b.first; };
    if (!std::is_sorted(out.begin(), out.end(), by_start)) {
      std::stable_sort(out.begin(), out.end(), by_start);  // ties stay in id order
    }
    return out;
  }
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT start_90k, start_90k + wall_duration_90k "
                                        "FROM recording WHERE stream_id = ? AND state != 2 "
                                        "AND start_90k > ? AND start_90k < ? "
                                        "ORDER BY start_90k, composite_id"));
  stmt.BindInt(1, stream_id).BindInt(2, from.ticks() - kMaxRecordingDuration.ticks());
  stmt.BindInt(3, to.ticks());
  for (;;) {
    NJ_TRY(bool row, stmt.Step());
    if (!row) break;
    out.emplace_back(Time90k(stmt.ColumnInt(0)), Time90k(stmt.ColumnInt(1)));
  }
  return out;
}

Result<std::vector<RecordingRow>> Database::ListRecordingsByState(RecordingState state) {
  // `state <> 1` lets SQLite use the partial index recording_not_written (docs/schema.md
  // §Migration 4): the rows not WRITTEN are few, the WRITTEN ones all the rest.
  NJ_TRY(Statement stmt,
         conn_->Prepare(SelectRecordings(state == RecordingState::kWritten
                                             ? "WHERE state = ? ORDER BY composite_id"
                                             : "WHERE state = ? AND state <> 1 ORDER BY "
                                               "composite_id")));
  stmt.BindInt(1, static_cast<int64_t>(state));
  return CollectRows<RecordingRow>(stmt, ReadRecording);
}

Result<std::vector<int64_t>> Database::ListRecordingIds(int64_t from_id, int64_t to_id) {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT composite_id FROM recording WHERE composite_id "
                                        "BETWEEN ? AND ? ORDER BY composite_id"));
  stmt.BindInt(1, from_id).BindInt(2, to_id);
  std::vector<int64_t> out;
  for (;;) {
    NJ_TRY(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnInt(0));
  }
  return out;
}

Result<RecordingRow> Database::GetRecording(int64_t composite_id) {
  NJ_TRY(Statement stmt, conn_->Prepare(SelectRecordings("WHERE composite_id = ?")));
  stmt.BindInt(1, composite_id);
  return OneRow<RecordingRow>(stmt, ReadRecording, Name(composite_id));
}

Result<RecordingIndexRow> Database::GetRecordingIndex(int64_t composite_id) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT composite_id, video_index, audio_index, chunk_index "
                        "FROM recording_index WHERE composite_id = ?"));
  stmt.BindInt(1, composite_id);
  return OneRow<RecordingIndexRow>(stmt, ReadIndex, "index of " + Name(composite_id));
}

Result<void> Database::ScanRecordingIndexes(
    int64_t from_id, int64_t to_id, const std::function<bool(const RecordingIndexRow&)>& fn) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT composite_id, video_index, audio_index, chunk_index "
                        "FROM recording_index WHERE composite_id BETWEEN ? AND ? "
                        "ORDER BY composite_id"));
  stmt.BindInt(1, from_id).BindInt(2, to_id);
  for (;;) {
    NJ_TRY(bool row, stmt.Step());
    if (!row) return Ok();
    NJ_TRY(RecordingIndexRow index, ReadIndex(stmt));
    if (!fn(index)) return Ok();
  }
}

Result<void> Database::MarkDeleting(std::span<const int64_t> composite_ids) {
  return Write([&]() -> Result<void> {
    for (int64_t id : composite_ids) {
      NJ_TRY(Statement stmt, conn_->Prepare("UPDATE recording SET state = 2 "
                                            "WHERE composite_id = ? AND state = 1"));
      NJ_CHECK_OK(stmt.BindInt(1, id).Run());
      if (conn_->Changes() == 0) {
        return Err(StateMismatch(*conn_, id, RecordingState::kWritten));
      }
    }
    return Ok();
  });
}

Result<void> Database::DeleteRecordingRows(std::span<const int64_t> composite_ids) {
  return Write([&]() -> Result<void> {
    for (int64_t id : composite_ids) {
      NJ_TRY(Statement index, conn_->Prepare("DELETE FROM recording_index WHERE composite_id = ?"));
      NJ_CHECK_OK(index.BindInt(1, id).Run());
      // WRITTEN rows name files that still exist: they must go through DELETING first.
      NJ_TRY(Statement row, conn_->Prepare("DELETE FROM recording "
                                           "WHERE composite_id = ? AND state != 1"));
      NJ_CHECK_OK(row.BindInt(1, id).Run());
      if (conn_->Changes() == 0) {
        return Err(StateMismatch(*conn_, id, RecordingState::kDeleting));
      }
    }
    return Ok();
  });
}

Result<std::vector<RecordingRow>> Database::OldestRecordings(int64_t stream_id, int64_t limit) {
  if (limit < 0) return Err(ErrorCode::kInvalidArgument, "negative limit");
  NJ_TRY(Statement stmt,
         conn_->Prepare(SelectRecordings("WHERE stream_id = ? AND state = 1 AND (flags & ?) = 0 "
                                         "ORDER BY start_90k, composite_id LIMIT ?")));
  stmt.BindInt(1, stream_id).BindInt(2, kRecordingProtected).BindInt(3, limit);
  return CollectRows<RecordingRow>(stmt, ReadRecording);
}

Result<StreamUsage> Database::GetStreamUsage(int64_t stream_id) {
  // Totals from the stream row (kept by triggers, docs/schema.md §Migration 2); the oldest start
  // and newest end from the recording_by_time index: no scan of the stream's recordings.
  NJ_TRY(Statement totals, conn_->Prepare("SELECT recordings, sample_file_bytes, "
                                          "(SELECT min(start_90k) FROM recording "
                                          " WHERE stream_id = ?1), "
                                          "(SELECT max(start_90k) FROM recording "
                                          " WHERE stream_id = ?1) "
                                          "FROM stream WHERE id = ?1"));
  totals.BindInt(1, stream_id);
  NJ_TRY(bool row, totals.Step());
  StreamUsage usage;
  if (!row) return usage;  // no such stream: nothing recorded
  usage.recordings = totals.ColumnInt(0);
  usage.sample_file_bytes = totals.ColumnInt(1);
  if (auto oldest = totals.ColumnOptInt(2)) usage.oldest_start = Time90k(*oldest);
  const std::optional<int64_t> newest_start = totals.ColumnOptInt(3);
  if (!newest_start) return usage;
  // The recording ending last starts at most kMaxRecordingDuration before the last start.
  NJ_TRY(Statement end, conn_->Prepare("SELECT max(start_90k + wall_duration_90k) FROM recording "
                                       "WHERE stream_id = ? AND start_90k >= ?"));
  end.BindInt(1, stream_id).BindInt(2, *newest_start - kMaxRecordingDuration.ticks());
  NJ_TRY(bool end_row, end.Step());
  if (end_row) {
    if (auto newest = end.ColumnOptInt(0)) usage.newest_end = Time90k(*newest);
  }
  return usage;
}

Result<std::pair<int64_t, int64_t>> Database::CountStreamRecordings(int64_t stream_id) {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT count(*), coalesce(sum(sample_file_bytes), 0) "
                                        "FROM recording WHERE stream_id = ?"));
  stmt.BindInt(1, stream_id);
  NJ_TRY(bool row, stmt.Step());
  if (!row) return std::pair<int64_t, int64_t>(0, 0);
  return std::pair(stmt.ColumnInt(0), stmt.ColumnInt(1));
}

Result<void> Database::SetRecordingFlags(int64_t composite_id, int64_t flags) {
  NJ_CHECK_OK(CheckFlags(flags));
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE recording SET flags = ? WHERE composite_id = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, flags).BindInt(2, composite_id).Run());
    return RequireChanged(*conn_, Name(composite_id));
  });
}

}  // namespace nightjar::db
