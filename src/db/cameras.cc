// Database: tables camera and stream.
#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kCameraColumns = "id, short_name, name, config_json, from_api";
constexpr std::string_view kStreamColumns =
    "id, camera_id, kind, sample_file_dir_id, record, retain_bytes, retain_secs, "
    "next_recording_id";

Result<CameraRow> ReadCamera(Statement& stmt) {
  CameraRow row;
  row.id = stmt.ColumnInt(0);
  row.short_name = stmt.ColumnText(1);
  row.name = stmt.ColumnText(2);
  row.config_json = stmt.ColumnText(3);
  row.from_api = stmt.ColumnInt(4) != 0;
  return row;
}

Result<StreamRow> ReadStream(Statement& stmt) {
  StreamRow row;
  row.id = stmt.ColumnInt(0);
  row.camera_id = stmt.ColumnInt(1);
  auto kind = ParseStreamKind(stmt.ColumnText(2));
  if (!kind)
    return Err(ErrorCode::kMalformed,
               "stream " + std::to_string(row.id) + ": " + kind.error().message());
  row.kind = *kind;
  row.sample_file_dir_id = stmt.ColumnOptInt(3);
  row.record = stmt.ColumnInt(4) != 0;
  row.retain_bytes = stmt.ColumnInt(5);
  row.retain_secs = stmt.ColumnOptInt(6);
  row.next_recording_id = stmt.ColumnInt(7);
  return row;
}

Result<void> CheckCamera(const CameraRow& row) {
  if (row.short_name.empty()) {
    return Err(ErrorCode::kInvalidArgument, "camera short_name must not be empty");
  }
  return Ok();
}

}  // namespace

Result<int64_t> Database::InsertCamera(const CameraRow& row) {
  NJ_CHECK_OK(CheckCamera(row));
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt, conn_->Prepare("INSERT INTO camera (short_name, name, config_json, "
                                          "from_api) VALUES (?, ?, ?, ?)"));
    NJ_CHECK_OK(stmt.BindText(1, row.short_name)
                    .BindText(2, row.name)
                    .BindText(3, row.config_json)
                    .BindInt(4, row.from_api ? 1 : 0)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<void> Database::UpdateCamera(const CameraRow& row) {
  NJ_CHECK_OK(CheckCamera(row));
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE camera SET short_name = ?, name = ?, "
                                          "config_json = ?, from_api = ? WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindText(1, row.short_name)
                    .BindText(2, row.name)
                    .BindText(3, row.config_json)
                    .BindInt(4, row.from_api ? 1 : 0)
                    .BindInt(5, row.id)
                    .Run());
    return RequireChanged(*conn_, "camera " + std::to_string(row.id));
  });
}

Result<void> Database::DeleteCamera(int64_t id) {
  return Write([&]() -> Result<void> {
    NJ_TRY(int64_t recordings, conn_->QueryInt("SELECT count(*) FROM recording WHERE stream_id IN "
                                               "(SELECT id FROM stream WHERE camera_id = ?)",
                                               {id}));
    if (recordings > 0) {
      return Err(ErrorCode::kFailedPrecondition, "camera " + std::to_string(id) + " still has " +
                                                     std::to_string(recordings) +
                                                     " recordings; delete them before the camera");
    }
    for (std::string_view sql :
         {"DELETE FROM event WHERE camera_id = ?", "DELETE FROM stream WHERE camera_id = ?"}) {
      NJ_TRY(Statement stmt, conn_->Prepare(sql));
      NJ_CHECK_OK(stmt.BindInt(1, id).Run());
    }
    NJ_TRY(Statement stmt, conn_->Prepare("DELETE FROM camera WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, id).Run());
    return RequireChanged(*conn_, "camera " + std::to_string(id));
  });
}

Result<std::vector<CameraRow>> Database::ListCameras() {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kCameraColumns) + " FROM camera ORDER BY id"));
  return CollectRows<CameraRow>(stmt, ReadCamera);
}

Result<CameraRow> Database::GetCamera(int64_t id) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kCameraColumns) + " FROM camera WHERE id = ?"));
  stmt.BindInt(1, id);
  return OneRow<CameraRow>(stmt, ReadCamera, "camera " + std::to_string(id));
}

Result<CameraRow> Database::GetCameraByShortName(std::string_view short_name) {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT " + std::string(kCameraColumns) +
                                        " FROM camera WHERE short_name = ?"));
  stmt.BindText(1, short_name);
  return OneRow<CameraRow>(stmt, ReadCamera, "camera \"" + std::string(short_name) + "\"");
}

Result<std::pair<CameraRow, StreamRow>> Database::FindStream(std::string_view camera,
                                                             StreamKind kind) {
  auto row = GetCameraByShortName(camera);
  if (!row) {
    if (row.error().code() != ErrorCode::kNotFound) return std::unexpected(row.error());
    NJ_TRY(auto all, ListCameras());
    std::string known;
    for (const auto& c : all) known += (known.empty() ? "" : ", ") + c.short_name;
    return Err(ErrorCode::kNotFound, "no camera \"" + std::string(camera) + "\"; known cameras: " +
                                         (known.empty() ? "(none)" : known));
  }
  NJ_TRY(auto streams, ListStreams(row->id));
  std::string known;
  for (auto& s : streams) {
    if (s.kind == kind) return std::pair(std::move(*row), s);
    known += (known.empty() ? "" : ", ") + std::string(StreamKindName(s.kind));
  }
  return Err(ErrorCode::kNotFound, "camera " + std::string(camera) + " has no " +
                                       std::string(StreamKindName(kind)) + " stream" +
                                       (known.empty() ? "" : "; it has: " + known));
}

// ---- Streams ----------------------------------------------------------------------------------

Result<int64_t> Database::InsertStream(const StreamRow& row) {
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("INSERT INTO stream (camera_id, kind, sample_file_dir_id, record, "
                          "retain_bytes, retain_secs) VALUES (?, ?, ?, ?, ?, ?)"));
    NJ_CHECK_OK(stmt.BindInt(1, row.camera_id)
                    .BindText(2, StreamKindName(row.kind))
                    .BindOptInt(3, row.sample_file_dir_id)
                    .BindInt(4, row.record ? 1 : 0)
                    .BindInt(5, row.retain_bytes)
                    .BindOptInt(6, row.retain_secs)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<void> Database::UpdateStream(const StreamRow& row) {
  return Write([&]() -> Result<void> {
    NJ_TRY(StreamRow old, GetStream(row.id));
    if (old.sample_file_dir_id != row.sample_file_dir_id) {
      NJ_TRY(int64_t recordings,
             conn_->QueryInt("SELECT count(*) FROM recording WHERE stream_id = ?", {row.id}));
      if (recordings > 0) {
        return Err(ErrorCode::kFailedPrecondition,
                   "stream " + std::to_string(row.id) + " has " + std::to_string(recordings) +
                       " recordings in its sample file dir; it cannot move to another");
      }
    }
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE stream SET sample_file_dir_id = ?, record = ?, "
                                          "retain_bytes = ?, retain_secs = ? WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindOptInt(1, row.sample_file_dir_id)
                    .BindInt(2, row.record ? 1 : 0)
                    .BindInt(3, row.retain_bytes)
                    .BindOptInt(4, row.retain_secs)
                    .BindInt(5, row.id)
                    .Run());
    return Ok();
  });
}

Result<std::vector<StreamRow>> Database::ListStreams(std::optional<int64_t> camera_id) {
  std::string sql = "SELECT " + std::string(kStreamColumns) + " FROM stream";
  if (camera_id) sql += " WHERE camera_id = ?";
  sql += " ORDER BY id";
  NJ_TRY(Statement stmt, conn_->Prepare(sql));
  if (camera_id) stmt.BindInt(1, *camera_id);
  return CollectRows<StreamRow>(stmt, ReadStream);
}

Result<StreamRow> Database::GetStream(int64_t id) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kStreamColumns) + " FROM stream WHERE id = ?"));
  stmt.BindInt(1, id);
  return OneRow<StreamRow>(stmt, ReadStream, "stream " + std::to_string(id));
}

}  // namespace nightjar::db
