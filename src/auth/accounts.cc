// Authenticator: sign-in, sessions, users, rights and API keys (http::AuthService).
#include <spdlog/spdlog.h>

#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "base/time.h"

namespace nightjar::auth {

namespace {

using nlohmann::json;

json TimeJson(std::optional<Time90k> t) { return t ? json(FormatTimeLocal(*t, 3)) : json(nullptr); }

std::string Truncate(std::string_view s, size_t n) { return std::string(s.substr(0, n)); }

Result<Role> ParseRole(std::string_view role) {
  auto r = db::ParseUserRole(role);
  if (!r) return Err(ErrorCode::kInvalidArgument, "role must be admin, operator or viewer");
  return r;
}

}  // namespace

const AuthPrincipal* Authenticator::CallerOf(const http::Request& caller) const {
  return dynamic_cast<const AuthPrincipal*>(caller.principal.get());
}

Result<const AuthPrincipal*> Authenticator::RequireUser(const http::Request& caller) const {
  const AuthPrincipal* p = CallerOf(caller);
  if (!p || p->via() == Via::kSignedUrl) {
    return Err(ErrorCode::kPermissionDenied, "this needs a signed-in user");
  }
  return p;
}

Result<const AuthPrincipal*> Authenticator::RequireAdmin(const http::Request& caller) const {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  if (p->role() != Role::kAdmin) return Err(ErrorCode::kPermissionDenied, "admins only");
  return p;
}

Result<db::UserRow> Authenticator::UserNamed(std::string_view name) const {
  auto s = snapshot();
  auto it = s->user_ids.find(name);
  if (it == s->user_ids.end()) {
    return Err(ErrorCode::kNotFound, "no user \"" + Truncate(name, 64) + "\"");
  }
  return s->users.at(it->second);
}

Result<void> Authenticator::KeepAnAdmin(int64_t id) const {
  auto s = snapshot();
  for (const auto& [uid, u] : s->users) {
    if (uid != id && u.role == Role::kAdmin) return Ok();
  }
  return Err(ErrorCode::kFailedPrecondition, "this is the last admin");
}

void Authenticator::AuditFor(const http::Request& caller, std::string_view action,
                             std::string_view target, const json& details) {
  const http::Principal* p = caller.principal.get();
  AuditAs(p ? p->name() : "anonymous", AddressOf(caller.remote), action, target, details);
}

void Authenticator::Audit(const http::Request& caller, std::string_view action,
                          std::string_view target, const json& details) {
  AuditFor(caller, action, target, details);
}

void Authenticator::AuditAs(std::string_view actor, std::string_view source,
                            std::string_view action, std::string_view target, const json& details) {
  db::AuditRow row{
      .actor = Truncate(actor, 160),
      .source = Truncate(source, 64),
      .action = std::string(action),
      .target = Truncate(target, 256),
      .details_json =
          details.is_null() ? "{}" : details.dump(-1, ' ', false, json::error_handler_t::replace)};
  auto r = db_([&](db::Database& d) -> Result<void> {
    NJ_TRY(int64_t id, d.InsertAudit(row));
    (void)id;
    return Ok();
  });
  if (!r) spdlog::warn("auth: audit {} {}: {}", action, target, r.error().ToString());
}

Result<http::LoginOutcome> Authenticator::Login(const http::Request& caller,
                                                const http::LoginRequest& login) {
  using S = http::LoginOutcome::Status;
  http::LoginOutcome out;
  const std::string address = AddressOf(caller.remote);
  const bool well_formed = CheckUsername(login.username).has_value() &&
                           login.password.size() <= kMaxPasswordBytes && login.totp.size() <= 64;
  const std::string name = well_formed ? login.username : "?";
  out.retry_after_secs = throttle_.Check(name, address);
  if (out.retry_after_secs > 0) {
    out.status = S::kThrottled;
    return out;
  }
  int64_t id = 0;
  const Check c = well_formed ? CheckPassword(name, login.password, login.totp, &id) : Check::kBad;
  if (c == Check::kTotpRequired && login.totp.empty()) {
    out.status = S::kTotpRequired;
    return out;
  }
  if (c != Check::kOk) {
    throttle_.Failed(name, address);
    AuditAs(name, address, "login_failed", name, {{"via", "login"}});
    out.status = S::kBadCredentials;
    return out;
  }
  throttle_.Succeeded(name, address);
  const std::string token = RandomToken(kSessionPrefix);
  const auto ua = caller.headers.Get("User-Agent");
  db::SessionRow row{.user_id = id,
                     .token_sha256 = Sha256(token),
                     .expires = clock_.Now() + Duration90k::FromSeconds(o_.session_max_secs),
                     .idle_secs = o_.session_idle_secs,
                     .source = address,
                     .user_agent = Truncate(ua.value_or(""), 200)};
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    NJ_TRY(int64_t sid, d.InsertSession(row));
    (void)sid;
    return Ok();
  }));
  AuditAs(name, address, "login", name, {{"via", "login"}});
  out.status = S::kOk;
  out.cookie = SessionCookie(token, o_.session_max_secs, o_.secure_cookies);
  out.me = {{"username", name},
            {"auth", true},
            {"role", db::UserRoleName(snapshot()->users.at(id).role)}};
  return out;
}

Result<std::string> Authenticator::Logout(const http::Request& caller) {
  const AuthPrincipal* p = CallerOf(caller);
  if (p && p->via() == Via::kSession) {
    const int64_t sid = p->session_id();
    auto r = Mutate([&](db::Database& d) { return d.DeleteSession(sid); });
    if (!r && r.error().code() != ErrorCode::kNotFound) return std::unexpected(r.error());
    AuditFor(caller, "logout", p->username(), nullptr);
  }
  return ClearedSessionCookie(o_.secure_cookies);
}

Result<json> Authenticator::ListSessions(const http::Request& caller) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  auto s = snapshot();
  json out = json::array();
  std::lock_guard lock(mu_);
  for (const auto& [h, r] : s->sessions) {
    if (r.user_id != p->user_id()) continue;
    Time90k seen = r.last_seen;
    if (auto it = session_seen_.find(r.id); it != session_seen_.end()) seen = it->second;
    out.push_back({{"id", r.id},
                   {"created", TimeJson(r.created)},
                   {"last_seen", TimeJson(seen)},
                   {"expires", TimeJson(r.expires)},
                   {"source", r.source},
                   {"user_agent", r.user_agent},
                   {"current", p->via() == Via::kSession && p->session_id() == r.id}});
  }
  return out;
}

Result<void> Authenticator::RevokeSession(const http::Request& caller, int64_t id) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  bool mine = false;
  for (const auto& [h, r] : snapshot()->sessions) mine |= r.id == id && r.user_id == p->user_id();
  if (!mine) return Err(ErrorCode::kNotFound, "no session " + std::to_string(id));
  NJ_CHECK_OK(Mutate([&](db::Database& d) { return d.DeleteSession(id); }));
  AuditFor(caller, "session_revoke", p->username(), {{"session", id}});
  return Ok();
}

Result<int64_t> Authenticator::RevokeAllSessions(const http::Request& caller) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  int64_t n = 0;
  const int64_t uid = p->user_id();
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    NJ_TRY(n, d.DeleteUserSessions(uid));
    return Ok();
  }));
  AuditFor(caller, "session_revoke_all", p->username(), {{"sessions", n}});
  return n;
}

Result<int64_t> Authenticator::ChangeOwnPassword(const http::Request& caller,
                                                 std::string_view current,
                                                 std::string_view replacement) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  if (p->via() == Via::kApiKey || p->via() == Via::kSignedUrl) {
    return Err(ErrorCode::kPermissionDenied, "sign in with your password to change it");
  }
  const std::string name = p->username();
  const std::string address = AddressOf(caller.remote);
  if (const int64_t wait = throttle_.Check(name, address); wait > 0) return wait;
  int64_t id = 0;
  // The password proves who is at the keyboard; TOTP was asked at sign-in.
  const Check c = CheckPassword(name, current, "", &id);
  if (c == Check::kBad || id != p->user_id()) {
    throttle_.Failed(name, address);
    AuditFor(caller, "password_change_failed", name, nullptr);
    return Err(ErrorCode::kPermissionDenied, "the current password is wrong");
  }
  throttle_.Succeeded(name, address);
  NJ_CHECK_OK(CheckNewPassword(replacement));
  NJ_TRY(db::UserRow u, UserNamed(name));
  NJ_TRY(u.password_hash, HashPassword(replacement, o_.limits));
  const int64_t keep = p->via() == Via::kSession ? p->session_id() : 0;
  int64_t ended = 0;
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    return d.Batch([&]() -> Result<void> {
      NJ_CHECK_OK(d.UpdateUser(u));
      NJ_TRY(ended, d.DeleteUserSessions(u.id, keep));
      return Ok();
    });
  }));
  AuditFor(caller, "password_change", name, {{"sessions_ended", ended}});
  return 0;
}

Result<json> Authenticator::ListUsers(const http::Request& caller) {
  NJ_CHECK_OK(RequireAdmin(caller));
  auto s = snapshot();
  json out = json::array();
  for (const auto& [name, id] : s->user_ids) {
    const db::UserRow& u = s->users.at(id);
    json cams = json::object();
    if (auto g = s->grants.find(id); g != s->grants.end()) {
      for (const auto& [cam, rights] : g->second) cams[cam] = RightsNames(rights);
    }
    out.push_back({{"name", u.username},
                   {"role", db::UserRoleName(u.role)},
                   {"created", TimeJson(u.created)},
                   {"totp", u.totp_secret.has_value()},
                   {"cameras", cams}});
  }
  return out;
}

Result<json> Authenticator::AddUser(const http::Request& caller, std::string_view name,
                                    std::string_view role, std::string_view password) {
  NJ_CHECK_OK(RequireAdmin(caller));
  NJ_CHECK_OK(CheckUsername(name));
  NJ_TRY(Role r, ParseRole(role));
  NJ_CHECK_OK(CheckNewPassword(password));
  NJ_TRY(std::string hash, HashPassword(password, o_.limits));
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    NJ_TRY(int64_t id,
           d.InsertUser({.username = std::string(name), .password_hash = hash, .role = r}));
    (void)id;
    return Ok();
  }));
  AuditFor(caller, "user_add", name, {{"role", role}});
  return json{{"name", name}, {"role", role}};
}

Result<void> Authenticator::ChangeUser(const http::Request& caller, std::string_view name,
                                       const http::UserChange& change) {
  NJ_CHECK_OK(RequireAdmin(caller));
  NJ_TRY(db::UserRow u, UserNamed(name));
  json details = json::object();
  if (change.role) {
    NJ_TRY(Role r, ParseRole(*change.role));
    if (u.role == Role::kAdmin && r != Role::kAdmin) NJ_CHECK_OK(KeepAnAdmin(u.id));
    u.role = r;
    details["role"] = *change.role;
  }
  if (change.password) {
    NJ_CHECK_OK(CheckNewPassword(*change.password));
    NJ_TRY(u.password_hash, HashPassword(*change.password, o_.limits));
    details["password"] = "changed";
  }
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    return d.Batch([&]() -> Result<void> {
      NJ_CHECK_OK(d.UpdateUser(u));
      // A new password ends the user's sessions (whoever knew the old one is signed out).
      if (change.password) NJ_CHECK_OK(d.DeleteUserSessions(u.id));
      return Ok();
    });
  }));
  AuditFor(caller, "user_change", name, details);
  return Ok();
}

Result<void> Authenticator::DeleteUser(const http::Request& caller, std::string_view name) {
  NJ_CHECK_OK(RequireAdmin(caller));
  NJ_TRY(db::UserRow u, UserNamed(name));
  if (u.role == Role::kAdmin) NJ_CHECK_OK(KeepAnAdmin(u.id));
  NJ_CHECK_OK(Mutate([&](db::Database& d) { return d.DeleteUser(u.id); }));
  AuditFor(caller, "user_delete", name, nullptr);
  return Ok();
}

Result<void> Authenticator::PutGrant(const http::Request& caller, std::string_view name,
                                     std::string_view camera,
                                     const std::vector<std::string>& rights) {
  NJ_CHECK_OK(RequireAdmin(caller));
  NJ_TRY(db::UserRow u, UserNamed(name));
  if (camera.empty() || camera.size() > 64) return Err(ErrorCode::kInvalidArgument, "bad camera");
  uint32_t bits = 0;
  for (const auto& r : rights) {
    NJ_TRY(uint32_t b, ParseRights(r));
    bits |= b;
  }
  if (u.role == Role::kViewer && (bits & ~(db::kRightLive | db::kRightRecordings))) {
    return Err(ErrorCode::kInvalidArgument,
               "a viewer has only live and recordings rights (make it an operator first)");
  }
  NJ_CHECK_OK(Mutate([&](db::Database& d) {
    return d.PutCameraGrant({u.id, std::string(camera), bits});
  }));
  AuditFor(caller, "grant", name, {{"camera", camera}, {"rights", RightsNames(bits)}});
  return Ok();
}

Result<void> Authenticator::DeleteGrant(const http::Request& caller, std::string_view name,
                                        std::string_view camera) {
  NJ_CHECK_OK(RequireAdmin(caller));
  NJ_TRY(db::UserRow u, UserNamed(name));
  NJ_CHECK_OK(Mutate([&](db::Database& d) { return d.DeleteCameraGrant(u.id, camera); }));
  AuditFor(caller, "revoke", name, {{"camera", camera}});
  return Ok();
}

}  // namespace nightjar::auth
