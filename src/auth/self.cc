// Authenticator: the caller's own view (me), TOTP enrolment, API keys, signed URLs, the audit
// log (http::AuthService).
#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/signed_url.h"
#include "auth/totp.h"
#include "http/router.h"

namespace nightjar::auth {

namespace {

using nlohmann::json;

json TimeJson(std::optional<Time90k> t) { return t ? json(FormatTimeLocal(*t, 3)) : json(nullptr); }

std::vector<std::string> RightsList(uint32_t rights) {
  std::vector<std::string> out;
  std::string_view s = "";
  std::string names = RightsNames(rights);
  s = names;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

constexpr std::string_view kVia[] = {"session", "basic", "api_key", "signed_url"};

}  // namespace

Result<json> Authenticator::Me(const http::Request& caller,
                               const std::vector<std::string>& cameras) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  json cams = json::object();
  for (const auto& c : cameras) {
    if (const uint32_t r = p->RightsOn(c)) cams[c] = RightsList(r);
  }
  auto s = snapshot();
  auto u = s->users.find(p->user_id());
  return json{{"username", p->username()},
              {"auth", true},
              {"role", db::UserRoleName(p->role())},
              {"via", kVia[static_cast<int>(p->via())]},
              {"totp", u != s->users.end() && u->second.totp_secret.has_value()},
              {"cameras", cams}};
}

Result<json> Authenticator::BeginTotp(const http::Request& caller) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  NJ_TRY(db::UserRow u, UserNamed(p->username()));
  if (u.totp_secret) return Err(ErrorCode::kFailedPrecondition, "TOTP is already enabled");
  const std::string secret = NewTotpSecret();
  u.totp_pending = box_.Seal(secret);
  NJ_CHECK_OK(Mutate([&](db::Database& d) { return d.UpdateUser(u); }));
  return json{{"secret", Base32Encode(secret)}, {"uri", OtpauthUri(u.username, secret)}};
}

Result<json> Authenticator::ConfirmTotp(const http::Request& caller, std::string_view code) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  NJ_TRY(db::UserRow u, UserNamed(p->username()));
  if (!u.totp_pending) {
    return Err(ErrorCode::kFailedPrecondition,
               "no TOTP enrolment in progress (POST /api/auth/totp)");
  }
  NJ_TRY(std::string secret, box_.Open(*u.totp_pending));
  const int64_t now = clock_.Now().ToUnixSeconds();
  auto step = VerifyTotp(secret, code, now, 0);
  if (!step) return Err(ErrorCode::kInvalidArgument, "wrong code");
  u.totp_secret = u.totp_pending;
  u.totp_pending.reset();
  u.totp_last_step = *step;
  const std::vector<std::string> codes = NewRecoveryCodes();
  std::vector<db::Sha256> hashes;
  hashes.reserve(codes.size());
  for (const auto& c : codes) hashes.push_back(Sha256(NormalizeRecoveryCode(c)));
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    return d.Batch([&]() -> Result<void> {
      NJ_CHECK_OK(d.UpdateUser(u));
      return d.SetRecoveryCodes(u.id, hashes);
    });
  }));
  AuditFor(caller, "totp_enable", u.username, nullptr);
  return json{{"recovery_codes", codes}};
}

Result<void> Authenticator::DisableTotp(const http::Request& caller) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  NJ_TRY(db::UserRow u, UserNamed(p->username()));
  u.totp_secret.reset();
  u.totp_pending.reset();
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    return d.Batch([&]() -> Result<void> {
      NJ_CHECK_OK(d.UpdateUser(u));
      return d.SetRecoveryCodes(u.id, {});
    });
  }));
  AuditFor(caller, "totp_disable", u.username, nullptr);
  return Ok();
}

Result<json> Authenticator::CreateApiKey(const http::Request& caller,
                                         const http::ApiKeyRequest& r) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  if (p->via() == Via::kApiKey) {
    return Err(ErrorCode::kPermissionDenied, "an API key cannot make API keys");
  }
  const std::string owner = r.user.empty() ? p->username() : r.user;
  if (owner != p->username() && p->role() != Role::kAdmin) {
    return Err(ErrorCode::kPermissionDenied, "only admins make keys for others");
  }
  NJ_TRY(db::UserRow u, UserNamed(owner));
  db::ApiKeyRow row{.user_id = u.id, .name = r.name, .role = u.role};
  if (r.name.size() > 64) return Err(ErrorCode::kInvalidArgument, "name: at most 64 characters");
  if (r.role) {
    NJ_TRY(row.role, db::ParseUserRole(*r.role));
    if (static_cast<int>(row.role) < static_cast<int>(u.role)) {
      return Err(ErrorCode::kInvalidArgument, "a key's role cannot exceed its user's");
    }
  }
  if (r.cameras) {
    if (r.cameras->size() > 256) return Err(ErrorCode::kInvalidArgument, "too many cameras");
    for (const auto& c : *r.cameras) {
      if (c.empty() || c.size() > 64) return Err(ErrorCode::kInvalidArgument, "bad camera id");
    }
    row.cameras = r.cameras;
  }
  if (r.expires_days) {
    if (*r.expires_days < 1 || *r.expires_days > 3650) {
      return Err(ErrorCode::kInvalidArgument, "expires_days: 1 to 3650");
    }
    row.expires = clock_.Now() + Duration90k::FromSeconds(*r.expires_days * 86400);
  }
  const std::string token = RandomToken(kApiKeyPrefix);
  row.token_sha256 = Sha256(token);
  int64_t id = 0;
  NJ_CHECK_OK(Mutate([&](db::Database& d) -> Result<void> {
    NJ_TRY(id, d.InsertApiKey(row));
    return Ok();
  }));
  AuditFor(caller, "apikey_add", owner, {{"id", id}, {"name", r.name}});
  json out{{"id", id},
           {"key", token},
           {"name", r.name},
           {"user", owner},
           {"role", db::UserRoleName(row.role)},
           {"cameras", row.cameras ? json(*row.cameras) : json(nullptr)},
           {"expires", TimeJson(row.expires)}};
  return out;
}

Result<json> Authenticator::ListApiKeys(const http::Request& caller) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  auto s = snapshot();
  std::vector<const db::ApiKeyRow*> keys;
  for (const auto& [h, k] : s->keys) {
    if (k.user_id == p->user_id() || p->role() == Role::kAdmin) keys.push_back(&k);
  }
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return a->id < b->id; });
  json out = json::array();
  std::lock_guard lock(mu_);
  for (const db::ApiKeyRow* k : keys) {
    auto u = s->users.find(k->user_id);
    std::optional<Time90k> used = k->last_used;
    if (auto it = key_used_.find(k->id); it != key_used_.end()) used = it->second;
    out.push_back({{"id", k->id},
                   {"name", k->name},
                   {"user", u == s->users.end() ? "" : u->second.username},
                   {"role", db::UserRoleName(k->role)},
                   {"cameras", k->cameras ? json(*k->cameras) : json(nullptr)},
                   {"created", TimeJson(k->created)},
                   {"expires", TimeJson(k->expires)},
                   {"last_used", TimeJson(used)}});
  }
  return out;
}

Result<void> Authenticator::DeleteApiKey(const http::Request& caller, int64_t id) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  bool allowed = false;
  for (const auto& [h, k] : snapshot()->keys) {
    allowed |= k.id == id && (k.user_id == p->user_id() || p->role() == Role::kAdmin);
  }
  if (!allowed) return Err(ErrorCode::kNotFound, "no API key " + std::to_string(id));
  NJ_CHECK_OK(Mutate([&](db::Database& d) { return d.DeleteApiKey(id); }));
  AuditFor(caller, "apikey_delete", p->username(), {{"id", id}});
  return Ok();
}

Result<json> Authenticator::Sign(const http::Request& caller, std::string_view path_and_query,
                                 std::optional<int64_t> ttl_secs) {
  NJ_TRY(const AuthPrincipal* p, RequireUser(caller));
  const int64_t ttl = ttl_secs.value_or(kDefaultSignedUrlSecs);
  if (ttl < 1 || ttl > kMaxSignedUrlSecs) {
    return Err(ErrorCode::kInvalidArgument, "ttl_secs: 1 to 86400");
  }
  if (path_and_query.size() > 2048) return Err(ErrorCode::kInvalidArgument, "path too long");
  NJ_TRY(http::Target t, http::SplitTarget(path_and_query));
  NJ_TRY(std::string scope, ScopeFor(t.path));
  // The camera: a path's /api/hls/{camera}/ or /api/cameras/{camera}/, else ?camera=.
  std::string camera;
  for (std::string_view prefix : {"/api/hls/", "/api/cameras/"}) {
    if (std::string_view(t.path).starts_with(prefix)) {
      std::string_view rest = std::string_view(t.path).substr(prefix.size());
      camera = std::string(rest.substr(0, rest.find('/')));
    }
  }
  if (camera.empty()) {
    if (auto it = t.query.find("camera"); it != t.query.end()) camera = it->second;
  }
  if (camera.empty()) return Err(ErrorCode::kInvalidArgument, "the path names no camera");
  if (!p->Sees(camera)) return Err(ErrorCode::kNotFound, "no camera \"" + camera + "\"");
  const int64_t exp = clock_.Now().ToUnixSeconds() + ttl;
  const std::string query = SignQuery(o_.url_key, {p->user_id(), camera, scope, exp});
  const size_t q = path_and_query.find('?');
  std::string url(path_and_query);
  url += q == std::string_view::npos ? "?" : "&";
  url += query;
  return json{{"url", url}, {"expires", TimeJson(Time90k::FromUnixSeconds(exp))}};
}

Result<json> Authenticator::ListAudit(const http::AuditFilter& f) {
  db::AuditQuery q{.from = f.from,
                   .to = f.to,
                   .action = f.action,
                   .before_id = f.before_id,
                   .limit = std::clamp<int64_t>(f.limit, 1, 1000)};
  std::vector<db::AuditRow> rows;
  NJ_CHECK_OK(db_([&](db::Database& d) -> Result<void> {
    NJ_TRY(rows, d.ListAudit(q));
    return Ok();
  }));
  json entries = json::array();
  for (const auto& r : rows) {
    json details = json::parse(r.details_json, nullptr, false);
    entries.push_back({{"id", r.id},
                       {"time", TimeJson(r.time)},
                       {"time_90k", r.time.ticks()},
                       {"actor", r.actor},
                       {"source", r.source},
                       {"action", r.action},
                       {"target", r.target},
                       {"details", details.is_discarded() ? json::object() : details}});
  }
  json next = static_cast<int64_t>(rows.size()) == q.limit ? json(rows.back().id) : json(nullptr);
  return json{{"entries", entries}, {"next_before", next}};
}

}  // namespace nightjar::auth
