// The authentication service of a running daemon: an in-memory snapshot of users, grants, API
// keys and sessions that authenticates requests without touching the database, and every change
// to them (through the database first, then the snapshot). It implements http::AuthService for
// the /api/auth, /api/users, /api/apikeys and /api/audit handlers, and the router's guard
// (guard.h) reads it.
//
// Consistency with other processes: `nightjar user ...` edits the same database while the
// daemon runs. Poll() (called about once a second from a blocking thread, see daemon.cc) checks
// PRAGMA data_version and reloads the snapshot when another connection committed, so such an
// edit takes effect within about a second. Session last-seen and API key last-used times are
// kept in memory and written behind by Poll() about once a minute (FlushActivity); a crash
// loses at most that much activity (idle expiry is then measured from an older time, never
// a later one).
//
// Threading: all methods are thread-safe. The Authenticate* methods and Snapshot() only take
// short internal locks and never block: the guard calls them on I/O threads. Everything else
// may block on SQLite (through the DbRunner) or Argon2id: call it on a blocking thread.
#ifndef NIGHTJAR_AUTH_AUTHENTICATOR_H_
#define NIGHTJAR_AUTH_AUTHENTICATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/crypto.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/throttle.h"
#include "base/clock.h"
#include "config/secret_box.h"
#include "db/database.h"
#include "http/services/auth.h"

namespace nightjar::auth {

// Runs `fn` with the database, serialized with every other use of it (storage::Engine::WithDb
// in the daemon; a plain Database in tests and the CLI).
using DbFn = std::function<Result<void>(db::Database&)>;
using DbRunner = std::function<Result<void>(const DbFn&)>;

struct AuthOptions {
  int64_t session_idle_secs = int64_t{7} * 86400;
  int64_t session_max_secs = int64_t{30} * 86400;
  bool secure_cookies = false;  // the server speaks TLS
  int64_t audit_retain_days = 365;
  PasswordLimits limits = DefaultPasswordLimits();
  Key url_key{};  // signed media URLs (<data>/url.key)
  // Admins must have TOTP enrolled to sign in with a password (Basic, login) once true.
  bool require_totp_for_admins = false;
};

// The immutable in-memory view the guard reads (replaced wholesale on every change).
struct Snapshot {
  std::unordered_map<int64_t, db::UserRow> users;                          // by id
  std::map<std::string, int64_t, std::less<>> user_ids;                    // username -> id
  std::map<int64_t, std::map<std::string, uint32_t, std::less<>>> grants;  // user -> camera
  std::map<Digest, db::SessionRow> sessions;                               // by token hash
  std::map<Digest, db::ApiKeyRow> keys;                                    // by token hash
};

class Authenticator final : public http::AuthService {
 public:
  Authenticator(DbRunner db, const Clock& clock, const config::SecretBox& box, AuthOptions o);
  ~Authenticator() override;

  // Blocking: reads everything (and deletes expired sessions). Call once before serving.
  Result<void> Load();
  // Blocking: reloads when another process committed; flushes activity at most every
  // `flush_every_secs`; prunes the audit log daily. Returns whether it reloaded.
  Result<bool> Poll(int64_t flush_every_secs = 60);
  Result<void> FlushActivity();

  // Blocking: when there is no user at all, creates "admin" with a random password and returns
  // it (the caller writes it to <data>/initial-admin-password); nullopt when users exist.
  Result<std::optional<std::string>> EnsureInitialAdmin();

  // ---- Non-blocking authentication (the guard) ----
  std::shared_ptr<const Snapshot> snapshot() const;
  // A live session's principal (and notes it as seen now), or null.
  std::shared_ptr<const AuthPrincipal> FromSession(std::string_view token);
  // A valid, unexpired API key's principal (and notes its use), or null.
  std::shared_ptr<const AuthPrincipal> FromApiKey(std::string_view token);
  // A Basic credential verified before (a cache of successes, keyed by a salted hash of the
  // credential and dropped when the user's password changes), or null.
  std::shared_ptr<const AuthPrincipal> FromBasicCached(std::string_view user,
                                                       std::string_view password);
  // Blocking (Argon2id): verifies a Basic credential, throttled like a login (a throttled
  // attempt sets *retry_after and fails without checking).
  std::shared_ptr<const AuthPrincipal> FromBasic(std::string_view user, std::string_view password,
                                                 std::string_view address, int64_t* retry_after);
  // The signer's principal limited to the URL's camera and scope, when the signature verifies
  // for this path and camera at the current time; else null.
  std::shared_ptr<const AuthPrincipal> FromSignedUrl(const http::Request& req,
                                                     std::string_view camera);

  const AuthOptions& options() const { return o_; }

  // ---- http::AuthService (accounts.cc, self.cc) ----
  Result<http::LoginOutcome> Login(const http::Request& caller,
                                   const http::LoginRequest& login) override;
  Result<std::string> Logout(const http::Request& caller) override;
  Result<nlohmann::json> Me(const http::Request& caller,
                            const std::vector<std::string>& cameras) override;
  Result<nlohmann::json> ListSessions(const http::Request& caller) override;
  Result<void> RevokeSession(const http::Request& caller, int64_t id) override;
  Result<int64_t> RevokeAllSessions(const http::Request& caller) override;
  Result<int64_t> ChangeOwnPassword(const http::Request& caller, std::string_view current,
                                    std::string_view replacement) override;
  Result<nlohmann::json> BeginTotp(const http::Request& caller) override;
  Result<nlohmann::json> ConfirmTotp(const http::Request& caller, std::string_view code) override;
  Result<void> DisableTotp(const http::Request& caller) override;
  Result<nlohmann::json> ListUsers(const http::Request& caller) override;
  Result<nlohmann::json> AddUser(const http::Request& caller, std::string_view name,
                                 std::string_view role, std::string_view password) override;
  Result<void> ChangeUser(const http::Request& caller, std::string_view name,
                          const http::UserChange& change) override;
  Result<void> DeleteUser(const http::Request& caller, std::string_view name) override;
  Result<void> PutGrant(const http::Request& caller, std::string_view name, std::string_view camera,
                        const std::vector<std::string>& rights) override;
  Result<void> DeleteGrant(const http::Request& caller, std::string_view name,
                           std::string_view camera) override;
  Result<nlohmann::json> CreateApiKey(const http::Request& caller,
                                      const http::ApiKeyRequest& r) override;
  Result<nlohmann::json> ListApiKeys(const http::Request& caller) override;
  Result<void> DeleteApiKey(const http::Request& caller, int64_t id) override;
  Result<nlohmann::json> Sign(const http::Request& caller, std::string_view path_and_query,
                              std::optional<int64_t> ttl_secs) override;
  Result<nlohmann::json> ListAudit(const http::AuditFilter& filter) override;
  void Audit(const http::Request& caller, std::string_view action, std::string_view target,
             const nlohmann::json& details) override;
  // An entry with an explicit actor (the storage engine's retention summary: "system").
  void AuditAs(std::string_view actor, std::string_view source, std::string_view action,
               std::string_view target, const nlohmann::json& details);

 private:
  Result<void> Reload();  // blocking: reads every table into a new snapshot
  void Publish(std::shared_ptr<const Snapshot> s);
  std::shared_ptr<const AuthPrincipal> PrincipalFor(const Snapshot& s, int64_t user_id,
                                                    AuthPrincipal::Init init) const;
  // Verifies password (and TOTP) for `name`, blocking; updates the throttle and rehashes.
  enum class Check { kOk, kBad, kTotpRequired };
  Check CheckPassword(std::string_view name, std::string_view password, std::string_view totp,
                      int64_t* user_id);
  Result<void> Mutate(const DbFn& fn);  // runs fn, then reloads the snapshot
  // What an unknown user's password is checked against (CheckPassword), made on first use.
  std::once_flag dummy_once_;
  std::string dummy_hash_;
  const AuthPrincipal* CallerOf(const http::Request& caller) const;
  Result<const AuthPrincipal*> RequireUser(const http::Request& caller) const;
  Result<const AuthPrincipal*> RequireAdmin(const http::Request& caller) const;
  // The user named `name` in the current snapshot (kNotFound).
  Result<db::UserRow> UserNamed(std::string_view name) const;
  // kFailedPrecondition when `id` is the last admin and the change would leave none.
  Result<void> KeepAnAdmin(int64_t id) const;
  void AuditFor(const http::Request& caller, std::string_view action, std::string_view target,
                const nlohmann::json& details);

  DbRunner db_;
  const Clock& clock_;
  const config::SecretBox box_;
  const AuthOptions o_;
  LoginThrottle throttle_;
  const Key cache_salt_;  // random per process: the Basic cache's keys

  // Serializes reloads (read + publish), so a slower reload never publishes an older state over
  // a newer one. Held while blocking on the database; never taken by the guard.
  std::mutex reload_mu_;
  mutable std::mutex mu_;  // guards the members below; never held while blocking
  std::shared_ptr<const Snapshot> snapshot_;
  // The latest use of each session and key seen here (the snapshot's rows hold the time as of
  // their load), and which of them the database has not been told yet (write-behind).
  std::unordered_map<int64_t, Time90k> session_seen_, key_used_;
  std::unordered_set<int64_t> dirty_sessions_, dirty_keys_;
  std::map<Digest, std::pair<int64_t, std::string>> basic_cache_;  // -> (user id, hash)
  int64_t data_version_ = -1;
  int64_t last_flush_nanos_ = 0;
  int64_t last_prune_nanos_ = 0;
};

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_AUTHENTICATOR_H_
