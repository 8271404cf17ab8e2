// Database: tables user_camera, api_key, recovery_code and audit (docs/schema.md §Migration 3).
#include <nlohmann/json.hpp>

#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kApiKeyColumns =
    "id, user_id, name, token_sha256, role, cameras_json, created_90k, expires_90k, "
    "last_used_90k";
constexpr std::string_view kAuditColumns =
    "id, time_90k, actor, source, action, target, details_json";

Result<ApiKeyRow> ReadApiKey(Statement& stmt) {
  ApiKeyRow row;
  row.id = stmt.ColumnInt(0);
  row.user_id = stmt.ColumnInt(1);
  row.name = stmt.ColumnText(2);
  NJ_TRY(row.token_sha256, ToArray<32>(stmt.ColumnBlobView(3), "api_key.token_sha256"));
  NJ_TRY(row.role, ParseUserRole(stmt.ColumnText(4)));
  if (auto cams = stmt.ColumnOptText(5)) {
    auto j = nlohmann::json::parse(*cams, nullptr, /*allow_exceptions=*/false);
    if (!j.is_array()) {
      return Err(ErrorCode::kMalformed, "api_key " + std::to_string(row.id) + ": bad cameras");
    }
    row.cameras.emplace();
    for (const auto& c : j) {
      if (!c.is_string()) return Err(ErrorCode::kMalformed, "api_key: bad camera");
      row.cameras->push_back(c.get<std::string>());
    }
  }
  row.created = Time90k(stmt.ColumnInt(6));
  if (auto e = stmt.ColumnOptInt(7)) row.expires = Time90k(*e);
  if (auto u = stmt.ColumnOptInt(8)) row.last_used = Time90k(*u);
  return row;
}

Result<AuditRow> ReadAudit(Statement& stmt) {
  AuditRow row;
  row.id = stmt.ColumnInt(0);
  row.time = Time90k(stmt.ColumnInt(1));
  row.actor = stmt.ColumnText(2);
  row.source = stmt.ColumnText(3);
  row.action = stmt.ColumnText(4);
  row.target = stmt.ColumnText(5);
  row.details_json = stmt.ColumnText(6);
  return row;
}

}  // namespace

Result<std::vector<CameraGrantRow>> Database::ListCameraGrants() {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT user_id, camera, rights FROM user_camera "
                                        "ORDER BY user_id, camera"));
  return CollectRows<CameraGrantRow>(stmt, [](Statement& s) -> Result<CameraGrantRow> {
    return CameraGrantRow{s.ColumnInt(0), s.ColumnText(1), static_cast<uint32_t>(s.ColumnInt(2))};
  });
}

Result<void> Database::PutCameraGrant(const CameraGrantRow& row) {
  if (row.camera.empty() || row.rights > kAllRights) {
    return Err(ErrorCode::kInvalidArgument, "bad camera grant");
  }
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("INSERT OR REPLACE INTO user_camera (user_id, camera, "
                                          "rights) VALUES (?, ?, ?)"));
    return stmt.BindInt(1, row.user_id).BindText(2, row.camera).BindInt(3, row.rights).Run();
  });
}

Result<void> Database::DeleteCameraGrant(int64_t user_id, std::string_view camera) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("DELETE FROM user_camera WHERE user_id = ? AND camera = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, user_id).BindText(2, camera).Run());
    return RequireChanged(*conn_, "grant of camera \"" + std::string(camera) + "\"");
  });
}

Result<int64_t> Database::InsertApiKey(const ApiKeyRow& row) {
  std::optional<std::string> cameras;
  if (row.cameras) cameras = nlohmann::json(*row.cameras).dump();
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt, conn_->Prepare("INSERT INTO api_key (user_id, name, token_sha256, "
                                          "role, cameras_json, created_90k, expires_90k) "
                                          "VALUES (?, ?, ?, ?, ?, ?, ?)"));
    NJ_CHECK_OK(stmt.BindInt(1, row.user_id)
                    .BindText(2, row.name)
                    .BindBlob(3, row.token_sha256)
                    .BindText(4, UserRoleName(row.role))
                    .BindOptText(5, cameras)
                    .BindInt(6, clock_.Now().ticks())
                    .BindOptInt(7, row.expires ? std::optional(row.expires->ticks()) : std::nullopt)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<std::vector<ApiKeyRow>> Database::ListApiKeys() {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kApiKeyColumns) + " FROM api_key ORDER BY id"));
  return CollectRows<ApiKeyRow>(stmt, ReadApiKey);
}

Result<void> Database::DeleteApiKey(int64_t id) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("DELETE FROM api_key WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, id).Run());
    return RequireChanged(*conn_, "api key " + std::to_string(id));
  });
}

Result<void> Database::TouchApiKeys(std::span<const std::pair<int64_t, Time90k>> last_used) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE api_key SET last_used_90k = "
                                          "max(coalesce(last_used_90k, 0), ?) WHERE id = ?"));
    for (const auto& [id, t] : last_used) {
      NJ_CHECK_OK(stmt.BindInt(1, t.ticks()).BindInt(2, id).Run());
      stmt.Reset();
    }
    return Ok();
  });
}

Result<void> Database::SetRecoveryCodes(int64_t user_id, std::span<const Sha256> code_sha256) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement del, conn_->Prepare("DELETE FROM recovery_code WHERE user_id = ?"));
    NJ_CHECK_OK(del.BindInt(1, user_id).Run());
    NJ_TRY(Statement ins, conn_->Prepare("INSERT OR IGNORE INTO recovery_code (user_id, "
                                         "code_sha256) VALUES (?, ?)"));
    for (const Sha256& h : code_sha256) {
      NJ_CHECK_OK(ins.BindInt(1, user_id).BindBlob(2, h).Run());
      ins.Reset();
    }
    return Ok();
  });
}

Result<bool> Database::UseRecoveryCode(int64_t user_id, const Sha256& code_sha256) {
  return Write([&]() -> Result<bool> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("DELETE FROM recovery_code WHERE user_id = ? AND code_sha256 = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, user_id).BindBlob(2, code_sha256).Run());
    return conn_->Changes() == 1;
  });
}

Result<int64_t> Database::CountRecoveryCodes(int64_t user_id) {
  return conn_->QueryInt("SELECT count(*) FROM recovery_code WHERE user_id = ?", {user_id});
}

Result<int64_t> Database::InsertAudit(const AuditRow& row) {
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt, conn_->Prepare("INSERT INTO audit (time_90k, actor, source, action, "
                                          "target, details_json) VALUES (?, ?, ?, ?, ?, ?)"));
    const Time90k t = row.time.ticks() != 0 ? row.time : clock_.Now();
    NJ_CHECK_OK(stmt.BindInt(1, t.ticks())
                    .BindText(2, row.actor)
                    .BindText(3, row.source)
                    .BindText(4, row.action)
                    .BindText(5, row.target)
                    .BindText(6, row.details_json)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<std::vector<AuditRow>> Database::ListAudit(const AuditQuery& q) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kAuditColumns) +
                        " FROM audit WHERE time_90k >= ?1 AND time_90k < ?2 AND "
                        "(?3 = '' OR action = ?3) AND id < ?4 ORDER BY id DESC LIMIT ?5"));
  stmt.BindInt(1, q.from ? q.from->ticks() : INT64_MIN)
      .BindInt(2, q.to ? q.to->ticks() : INT64_MAX)
      .BindText(3, q.action)
      .BindInt(4, q.before_id.value_or(INT64_MAX))
      .BindInt(5, std::clamp<int64_t>(q.limit, 1, 1000));
  return CollectRows<AuditRow>(stmt, ReadAudit);
}

Result<int64_t> Database::DeleteAuditBefore(Time90k before) {
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt, conn_->Prepare("DELETE FROM audit WHERE time_90k < ?"));
    NJ_CHECK_OK(stmt.BindInt(1, before.ticks()).Run());
    return conn_->Changes();
  });
}

Result<int64_t> Database::DataVersion() { return conn_->QueryInt("PRAGMA data_version"); }

}  // namespace nightjar::db
