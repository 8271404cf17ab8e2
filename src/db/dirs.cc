// Database: table sample_file_dir.
#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kDirColumns = "id, path, uuid, min_free_bytes";

Result<SampleFileDirRow> ReadDir(Statement& stmt) {
  SampleFileDirRow row;
  row.id = stmt.ColumnInt(0);
  row.path = stmt.ColumnText(1);
  NJ_TRY(row.uuid, ToArray<16>(stmt.ColumnBlobView(2), "sample_file_dir.uuid"));
  row.min_free_bytes = stmt.ColumnInt(3);
  return row;
}

}  // namespace

Result<int64_t> Database::AddSampleFileDir(const std::string& path, const Uuid& uuid,
                                           int64_t min_free_bytes) {
  if (path.empty() || min_free_bytes < 0) {
    return Err(ErrorCode::kInvalidArgument, "sample file dir needs a path and min_free_bytes >= 0");
  }
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("INSERT INTO sample_file_dir (path, uuid, min_free_bytes) "
                          "VALUES (?, ?, ?)"));
    NJ_CHECK_OK(stmt.BindText(1, path).BindBlob(2, uuid).BindInt(3, min_free_bytes).Run());
    return conn_->LastInsertRowId();
  });
}

Result<std::vector<SampleFileDirRow>> Database::ListSampleFileDirs() {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT " + std::string(kDirColumns) +
                                        " FROM sample_file_dir ORDER BY id"));
  return CollectRows<SampleFileDirRow>(stmt, ReadDir);
}

Result<SampleFileDirRow> Database::GetSampleFileDir(int64_t id) {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT " + std::string(kDirColumns) +
                                        " FROM sample_file_dir WHERE id = ?"));
  stmt.BindInt(1, id);
  return OneRow<SampleFileDirRow>(stmt, ReadDir, "sample file dir " + std::to_string(id));
}

}  // namespace nightjar::db
