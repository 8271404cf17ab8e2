// Database: tables user and session (docs/schema.md §Migration 3).
#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kUserColumns =
    "id, username, password_hash, role, created_90k, totp_secret, totp_pending, totp_last_step";
constexpr std::string_view kSessionColumns =
    "id, user_id, token_sha256, created_90k, expires_90k, last_seen_90k, idle_secs, source, "
    "user_agent";
// A session is live while neither its absolute nor its idle expiry has passed (?1 = now).
constexpr std::string_view kSessionLive =
    "expires_90k > ?1 AND (idle_secs = 0 OR last_seen_90k + idle_secs * 90000 > ?1)";

Result<UserRow> ReadUser(Statement& stmt) {
  UserRow row;
  row.id = stmt.ColumnInt(0);
  row.username = stmt.ColumnText(1);
  row.password_hash = stmt.ColumnOptText(2);
  auto role = ParseUserRole(stmt.ColumnText(3));
  if (!role) {
    return Err(ErrorCode::kMalformed,
               "user " + std::to_string(row.id) + ": " + role.error().message());
  }
  row.role = *role;
  row.created = Time90k(stmt.ColumnInt(4));
  row.totp_secret = stmt.ColumnOptText(5);
  row.totp_pending = stmt.ColumnOptText(6);
  row.totp_last_step = stmt.ColumnInt(7);
  return row;
}

Result<SessionRow> ReadSession(Statement& stmt) {
  SessionRow row;
  row.id = stmt.ColumnInt(0);
  row.user_id = stmt.ColumnInt(1);
  NJ_TRY(row.token_sha256, ToArray<32>(stmt.ColumnBlobView(2), "session.token_sha256"));
  row.created = Time90k(stmt.ColumnInt(3));
  row.expires = Time90k(stmt.ColumnInt(4));
  row.last_seen = Time90k(stmt.ColumnInt(5));
  row.idle_secs = stmt.ColumnInt(6);
  row.source = stmt.ColumnText(7);
  row.user_agent = stmt.ColumnText(8);
  return row;
}

Result<void> CheckUser(const UserRow& row) {
  if (row.username.empty()) return Err(ErrorCode::kInvalidArgument, "username must not be empty");
  return Ok();
}

}  // namespace

Result<int64_t> Database::InsertUser(const UserRow& row) {
  NJ_CHECK_OK(CheckUser(row));
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt, conn_->Prepare("INSERT INTO user (username, password_hash, role, "
                                          "created_90k, totp_secret, totp_pending, "
                                          "totp_last_step) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    NJ_CHECK_OK(stmt.BindText(1, row.username)
                    .BindOptText(2, row.password_hash)
                    .BindText(3, UserRoleName(row.role))
                    .BindInt(4, clock_.Now().ticks())
                    .BindOptText(5, row.totp_secret)
                    .BindOptText(6, row.totp_pending)
                    .BindInt(7, row.totp_last_step)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<void> Database::UpdateUser(const UserRow& row) {
  NJ_CHECK_OK(CheckUser(row));
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE user SET username = ?, password_hash = ?, "
                                          "role = ?, totp_secret = ?, totp_pending = ?, "
                                          "totp_last_step = ? WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindText(1, row.username)
                    .BindOptText(2, row.password_hash)
                    .BindText(3, UserRoleName(row.role))
                    .BindOptText(4, row.totp_secret)
                    .BindOptText(5, row.totp_pending)
                    .BindInt(6, row.totp_last_step)
                    .BindInt(7, row.id)
                    .Run());
    return RequireChanged(*conn_, "user " + std::to_string(row.id));
  });
}

Result<UserRow> Database::GetUser(int64_t id) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kUserColumns) + " FROM user WHERE id = ?"));
  stmt.BindInt(1, id);
  return OneRow<UserRow>(stmt, ReadUser, "user " + std::to_string(id));
}

Result<UserRow> Database::GetUserByName(std::string_view username) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kUserColumns) + " FROM user WHERE username = ?"));
  stmt.BindText(1, username);
  return OneRow<UserRow>(stmt, ReadUser, "user \"" + std::string(username) + "\"");
}

Result<std::vector<UserRow>> Database::ListUsers() {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kUserColumns) + " FROM user ORDER BY id"));
  return CollectRows<UserRow>(stmt, ReadUser);
}

Result<void> Database::DeleteUser(int64_t id) {
  // Sessions, grants, keys and recovery codes go with it (ON DELETE CASCADE).
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement user, conn_->Prepare("DELETE FROM user WHERE id = ?"));
    NJ_CHECK_OK(user.BindInt(1, id).Run());
    return RequireChanged(*conn_, "user " + std::to_string(id));
  });
}

// ---- Sessions ---------------------------------------------------------------------------------

Result<int64_t> Database::InsertSession(const SessionRow& row) {
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("INSERT INTO session (user_id, token_sha256, created_90k, expires_90k, "
                          "last_seen_90k, idle_secs, source, user_agent) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    const int64_t now = clock_.Now().ticks();
    NJ_CHECK_OK(stmt.BindInt(1, row.user_id)
                    .BindBlob(2, row.token_sha256)
                    .BindInt(3, now)
                    .BindInt(4, row.expires.ticks())
                    .BindInt(5, now)
                    .BindInt(6, row.idle_secs)
                    .BindText(7, row.source)
                    .BindText(8, row.user_agent)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<SessionRow> Database::GetSessionByTokenHash(const Sha256& token_sha256) {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kSessionColumns) +
                        " FROM session WHERE token_sha256 = ?2 AND " + std::string(kSessionLive)));
  stmt.BindInt(1, clock_.Now().ticks()).BindBlob(2, token_sha256);
  return OneRow<SessionRow>(stmt, ReadSession, "session (unknown or expired token)");
}

Result<std::vector<SessionRow>> Database::ListSessions() {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kSessionColumns) + " FROM session WHERE " +
                        std::string(kSessionLive) + " ORDER BY id"));
  stmt.BindInt(1, clock_.Now().ticks());
  return CollectRows<SessionRow>(stmt, ReadSession);
}

Result<void> Database::DeleteSession(int64_t id) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("DELETE FROM session WHERE id = ?"));
    NJ_CHECK_OK(stmt.BindInt(1, id).Run());
    return RequireChanged(*conn_, "session " + std::to_string(id));
  });
}

Result<int64_t> Database::DeleteUserSessions(int64_t user_id, int64_t except_id) {
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt, conn_->Prepare("DELETE FROM session WHERE user_id = ? AND id != ?"));
    NJ_CHECK_OK(stmt.BindInt(1, user_id).BindInt(2, except_id).Run());
    return conn_->Changes();
  });
}

Result<void> Database::TouchSessions(std::span<const std::pair<int64_t, Time90k>> last_seen) {
  return Write([&]() -> Result<void> {
    NJ_TRY(Statement stmt, conn_->Prepare("UPDATE session SET last_seen_90k = max(last_seen_90k, "
                                          "?) WHERE id = ?"));
    for (const auto& [id, t] : last_seen) {
      NJ_CHECK_OK(stmt.BindInt(1, t.ticks()).BindInt(2, id).Run());  // a gone session: no-op
      stmt.Reset();
    }
    return Ok();
  });
}

Result<int64_t> Database::DeleteExpiredSessions() {
  return Write([&]() -> Result<int64_t> {
    NJ_TRY(Statement stmt,
           conn_->Prepare("DELETE FROM session WHERE NOT (" + std::string(kSessionLive) + ")"));
    NJ_CHECK_OK(stmt.BindInt(1, clock_.Now().ticks()).Run());
    return conn_->Changes();
  });
}

}  // namespace nightjar::db
