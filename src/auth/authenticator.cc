// Authenticator: the snapshot, its reloading, write-behind activity, and request authentication.
#include "auth/authenticator.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "auth/credentials.h"
#include "auth/signed_url.h"
#include "auth/totp.h"

namespace nightjar::auth {

namespace {
constexpr int64_t kNanos = 1'000'000'000;
constexpr size_t kMaxBasicCache = 1024;

Key RandomKey() {
  Key k;
  auto b = RandomBytes(k.size());
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

// The lesser of two roles (admin > operator > viewer).
Role Lesser(Role a, Role b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }
}  // namespace

Authenticator::Authenticator(DbRunner db, const Clock& clock, const config::SecretBox& box,
                             AuthOptions o)
    : db_(std::move(db)),
      clock_(clock),
      box_(box),
      o_(o),
      throttle_(clock),
      cache_salt_(RandomKey()),
      snapshot_(std::make_shared<Snapshot>()) {}

Authenticator::~Authenticator() = default;

std::shared_ptr<const Snapshot> Authenticator::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void Authenticator::Publish(std::shared_ptr<const Snapshot> s) {
  std::lock_guard lock(mu_);
  snapshot_ = std::move(s);
  // Forget activity of sessions and keys that are gone.
  std::unordered_set<int64_t> sessions, keys;
  for (const auto& [h, r] : snapshot_->sessions) sessions.insert(r.id);
  for (const auto& [h, k] : snapshot_->keys) keys.insert(k.id);
  std::erase_if(session_seen_, [&](const auto& e) { return !sessions.contains(e.first); });
  std::erase_if(key_used_, [&](const auto& e) { return !keys.contains(e.first); });
  // A changed or removed password invalidates cached Basic credentials (checked at use too).
  std::erase_if(basic_cache_, [&](const auto& e) {
    auto u = snapshot_->users.find(e.second.first);
    return u == snapshot_->users.end() || u->second.password_hash != e.second.second;
  });
}

Result<void> Authenticator::Reload() {
  std::lock_guard reload(reload_mu_);
  auto s = std::make_shared<Snapshot>();
  int64_t version = 0;
  NJ_CHECK_OK(db_([&](db::Database& d) -> Result<void> {
    NJ_TRY(version, d.DataVersion());
    NJ_TRY(auto users, d.ListUsers());
    for (auto& u : users) {
      s->user_ids[u.username] = u.id;
      s->users[u.id] = std::move(u);
    }
    NJ_TRY(auto grants, d.ListCameraGrants());
    for (auto& g : grants) s->grants[g.user_id][g.camera] = g.rights;
    NJ_TRY(auto sessions, d.ListSessions());
    for (auto& r : sessions) s->sessions[r.token_sha256] = std::move(r);
    NJ_TRY(auto keys, d.ListApiKeys());
    for (auto& k : keys) s->keys[k.token_sha256] = std::move(k);
    return Ok();
  }));
  {
    std::lock_guard lock(mu_);
    data_version_ = version;
  }
  Publish(std::move(s));
  return Ok();
}

Result<void> Authenticator::Load() {
  NJ_CHECK_OK(InitCrypto());
  NJ_CHECK_OK(db_([](db::Database& d) -> Result<void> {
    if (d.read_only()) return Ok();
    NJ_TRY(int64_t gone, d.DeleteExpiredSessions());
    (void)gone;
    return Ok();
  }));
  return Reload();
}

Result<bool> Authenticator::Poll(int64_t flush_every_secs) {
  const int64_t now = clock_.MonotonicNanos();
  bool flush = false, prune = false;
  int64_t known = 0;
  {
    std::lock_guard lock(mu_);
    flush = now - last_flush_nanos_ >= flush_every_secs * kNanos;
    prune = last_prune_nanos_ == 0 || now - last_prune_nanos_ >= 86400 * kNanos;
    if (prune) last_prune_nanos_ = now;
    known = data_version_;
  }
  if (flush) NJ_CHECK_OK(FlushActivity());
  if (prune) {
    const Time90k cutoff = clock_.Now() - Duration90k::FromSeconds(o_.audit_retain_days * 86400);
    NJ_CHECK_OK(db_([&](db::Database& d) -> Result<void> {
      NJ_TRY(int64_t gone, d.DeleteAuditBefore(cutoff));
      (void)gone;
      NJ_TRY(int64_t expired, d.DeleteExpiredSessions());
      (void)expired;
      return Ok();
    }));
  }
  int64_t version = 0;
  NJ_CHECK_OK(db_([&](db::Database& d) -> Result<void> {
    NJ_TRY(version, d.DataVersion());
    return Ok();
  }));
  if (version == known) return false;
  NJ_CHECK_OK(Reload());
  return true;
}

Result<void> Authenticator::FlushActivity() {
  std::vector<std::pair<int64_t, Time90k>> seen, used;
  {
    std::lock_guard lock(mu_);
    last_flush_nanos_ = clock_.MonotonicNanos();
    for (int64_t id : dirty_sessions_) {
      if (auto it = session_seen_.find(id); it != session_seen_.end()) seen.emplace_back(*it);
    }
    for (int64_t id : dirty_keys_) {
      if (auto it = key_used_.find(id); it != key_used_.end()) used.emplace_back(*it);
    }
    dirty_sessions_.clear();
    dirty_keys_.clear();
  }
  if (seen.empty() && used.empty()) return Ok();
  return db_([&](db::Database& d) -> Result<void> {
    return d.Batch([&]() -> Result<void> {
      NJ_CHECK_OK(d.TouchSessions(seen));
      return d.TouchApiKeys(used);
    });
  });
}

Result<std::optional<std::string>> Authenticator::EnsureInitialAdmin() {
  std::optional<std::string> password;
  NJ_CHECK_OK(db_([&](db::Database& d) -> Result<void> {
    NJ_TRY(auto users, d.ListUsers());
    if (!users.empty()) return Ok();
    std::string p = RandomPassword();
    NJ_TRY(std::string hash, HashPassword(p, o_.limits));
    NJ_TRY(int64_t id,
           d.InsertUser({.username = "admin", .password_hash = hash, .role = Role::kAdmin}));
    (void)id;
    NJ_TRY(int64_t audit, d.InsertAudit({.actor = "system",
                                         .action = "user_add",
                                         .target = "admin",
                                         .details_json = R"({"role":"admin","initial":true})"}));
    (void)audit;
    password = std::move(p);
    return Ok();
  }));
  NJ_CHECK_OK(Reload());
  return password;
}

std::shared_ptr<const AuthPrincipal> Authenticator::PrincipalFor(const Snapshot& s, int64_t user_id,
                                                                 AuthPrincipal::Init init) const {
  auto u = s.users.find(user_id);
  if (u == s.users.end()) return nullptr;
  init.user_id = user_id;
  init.username = u->second.username;
  init.role = init.via == Via::kApiKey ? Lesser(init.role, u->second.role) : u->second.role;
  init.user_role = u->second.role;
  if (auto g = s.grants.find(user_id); g != s.grants.end()) init.grants = g->second;
  return std::make_shared<const AuthPrincipal>(std::move(init));
}

std::shared_ptr<const AuthPrincipal> Authenticator::FromSession(std::string_view token) {
  if (!LooksLikeToken(token, kSessionPrefix)) return nullptr;
  const Digest h = Sha256(token);
  auto s = snapshot();
  auto it = s->sessions.find(h);
  if (it == s->sessions.end()) return nullptr;
  const db::SessionRow& row = it->second;
  const Time90k now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    Time90k last = row.last_seen;
    if (auto p = session_seen_.find(row.id); p != session_seen_.end())
      last = std::max(last, p->second);
    if (now >= row.expires ||
        (row.idle_secs > 0 && now >= last + Duration90k::FromSeconds(row.idle_secs))) {
      return nullptr;
    }
    session_seen_[row.id] = now;
    dirty_sessions_.insert(row.id);
  }
  return PrincipalFor(*s, row.user_id, {.via = Via::kSession, .session_id = row.id});
}

std::shared_ptr<const AuthPrincipal> Authenticator::FromApiKey(std::string_view token) {
  if (!LooksLikeToken(token, kApiKeyPrefix)) return nullptr;
  auto s = snapshot();
  auto it = s->keys.find(Sha256(token));
  if (it == s->keys.end()) return nullptr;
  const db::ApiKeyRow& k = it->second;
  const Time90k now = clock_.Now();
  if (k.expires && now >= *k.expires) return nullptr;
  {
    std::lock_guard lock(mu_);
    key_used_[k.id] = now;
    dirty_keys_.insert(k.id);
  }
  AuthPrincipal::Init init{.role = k.role, .via = Via::kApiKey, .key_id = k.id, .key_name = k.name};
  if (k.cameras) init.cameras.emplace(k.cameras->begin(), k.cameras->end());
  return PrincipalFor(*s, k.user_id, std::move(init));
}

std::shared_ptr<const AuthPrincipal> Authenticator::FromBasicCached(std::string_view user,
                                                                    std::string_view password) {
  const std::string material = std::string(user) + '\0' + std::string(password);
  const Digest h = HmacSha256(cache_salt_, material);
  auto s = snapshot();
  int64_t id = 0;
  {
    std::lock_guard lock(mu_);
    auto it = basic_cache_.find(h);
    if (it == basic_cache_.end()) return nullptr;
    auto u = s->users.find(it->second.first);
    if (u == s->users.end() || u->second.password_hash != it->second.second) return nullptr;
    id = it->second.first;
  }
  return PrincipalFor(*s, id, {.via = Via::kBasic});
}

std::shared_ptr<const AuthPrincipal> Authenticator::FromBasic(std::string_view user,
                                                              std::string_view password,
                                                              std::string_view address,
                                                              int64_t* retry_after) {
  // A name outside the username alphabet is no account: "?" keeps control characters out of
  // the throttle's keys and the audit log.
  const std::string name = CheckUsername(user) ? std::string(user) : "?";
  *retry_after = throttle_.Check(name, address);
  if (*retry_after > 0) return nullptr;
  int64_t id = 0;
  // Basic carries no TOTP code: an account with TOTP cannot use it (API keys serve scripts).
  if (CheckPassword(name, password, "", &id) != Check::kOk) {
    throttle_.Failed(name, address);
    AuditAs(name, address, "login_failed", name, {{"via", "basic"}});
    return nullptr;
  }
  throttle_.Succeeded(name, address);
  auto s = snapshot();
  auto u = s->users.find(id);
  if (u == s->users.end()) return nullptr;
  {
    std::lock_guard lock(mu_);
    if (basic_cache_.size() >= kMaxBasicCache) basic_cache_.clear();
    const std::string material = std::string(user) + '\0' + std::string(password);
    basic_cache_[HmacSha256(cache_salt_, material)] = {id, u->second.password_hash.value_or("")};
  }
  return PrincipalFor(*s, id, {.via = Via::kBasic});
}

std::shared_ptr<const AuthPrincipal> Authenticator::FromSignedUrl(const http::Request& req,
                                                                  std::string_view camera) {
  auto parsed = ParseSignedQuery(req.query);
  if (!parsed || !*parsed) return nullptr;
  const auto& [sig, mac] = **parsed;
  const int64_t now = clock_.Now().ticks() / kTicksPerSecond;
  if (!VerifySignature(o_.url_key, sig, mac, now, req.path, camera)) return nullptr;
  auto s = snapshot();
  AuthPrincipal::Init init{.via = Via::kSignedUrl, .media_only = true};
  init.cameras.emplace();
  init.cameras->insert(std::string(camera));
  return PrincipalFor(*s, sig.user_id, std::move(init));
}

Authenticator::Check Authenticator::CheckPassword(std::string_view name, std::string_view password,
                                                  std::string_view totp, int64_t* user_id) {
  auto s = snapshot();
  auto id = s->user_ids.find(name);
  const db::UserRow* u = nullptr;
  if (id != s->user_ids.end()) u = &s->users.at(id->second);
  if (!u || !u->password_hash) {
    // Spend the same time as a real check, so timing does not tell which names exist.
    // A hash made with this daemon's limits, once, when first needed.
    std::call_once(dummy_once_, [this] {
      dummy_hash_ = HashPassword("not a password", o_.limits).value_or(std::string());
    });
    VerifyPassword(dummy_hash_, password);
    return Check::kBad;
  }
  if (!VerifyPassword(*u->password_hash, password)) return Check::kBad;
  *user_id = u->id;
  const bool has_totp = u->totp_secret.has_value();
  if (has_totp || (o_.require_totp_for_admins && u->role == Role::kAdmin)) {
    if (totp.empty() || !has_totp) return Check::kTotpRequired;
    auto secret = box_.Open(*u->totp_secret);
    if (!secret) return Check::kBad;
    const int64_t unix_now = clock_.Now().ticks() / kTicksPerSecond;
    bool ok = false;
    if (auto step = VerifyTotp(*secret, totp, unix_now, u->totp_last_step)) {
      db::UserRow changed = *u;
      changed.totp_last_step = *step;
      ok = Mutate([&](db::Database& d) { return d.UpdateUser(changed); }).has_value();
    } else if (totp.size() > 6) {
      const Digest h = Sha256(NormalizeRecoveryCode(totp));
      (void)db_([&](db::Database& d) -> Result<void> {
        NJ_TRY(ok, d.UseRecoveryCode(u->id, h));
        return Ok();
      });
    }
    if (!ok) return Check::kBad;
  }
  if (NeedsRehash(*u->password_hash, o_.limits)) {
    if (auto h = HashPassword(password, o_.limits)) {
      const int64_t uid = u->id;
      auto r = Mutate([&](db::Database& d) -> Result<void> {
        NJ_TRY(db::UserRow row, d.GetUser(uid));
        row.password_hash = *h;
        return d.UpdateUser(row);
      });
      if (!r) spdlog::warn("auth: rehashing the password of {}: {}", name, r.error().ToString());
    }
  }
  return Check::kOk;
}

Result<void> Authenticator::Mutate(const DbFn& fn) {
  NJ_CHECK_OK(db_(fn));
  return Reload();
}

}  // namespace nightjar::auth
