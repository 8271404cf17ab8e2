// The authentication resources (/api/auth/..., /api/users, /api/apikeys, /api/audit): what the
// HTTP API needs of the authentication module (src/auth implements it; handlers_test fakes it).
//
// `caller` is the request being served: its principal (set by the router's guard) is who acts,
// its remote address and User-Agent go to sessions and the audit log. Read results are JSON in
// the shapes docs/API.md documents.
//
// Threading: every method may block (SQLite, Argon2id); the server calls them on its blocking
// pool; implementations are thread-safe. Errors map to statuses by http::FromError
// (kInvalidArgument 400, kPermissionDenied 403, kNotFound 404, kAlreadyExists 409).
#ifndef NIGHTJAR_HTTP_SERVICES_AUTH_H_
#define NIGHTJAR_HTTP_SERVICES_AUTH_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/time.h"
#include "http/message.h"

namespace nightjar::http {

struct LoginRequest {
  std::string username, password, totp;  // totp: a 6-digit code or a recovery code, or empty
};
// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json's special members are not noexcept.
struct LoginOutcome {
  enum class Status { kOk, kBadCredentials, kTotpRequired, kThrottled };
  Status status = Status::kBadCredentials;
  int64_t retry_after_secs = 0;  // kThrottled
  std::string cookie;            // kOk: the Set-Cookie value (token, attributes)
  nlohmann::json me;             // kOk: as Me()
};

struct UserChange {
  std::optional<std::string> role, password;
};
struct ApiKeyRequest {
  std::string user;  // empty: the caller; another user: admin only
  std::string name;
  std::optional<std::string> role;                  // default: the user's
  std::optional<std::vector<std::string>> cameras;  // default: no limit
  std::optional<int64_t> expires_days;              // default: never
};
struct AuditFilter {
  std::optional<Time90k> from, to;
  std::string action;
  std::optional<int64_t> before_id;
  int64_t limit = 100;
};

class AuthService {
 public:
  virtual ~AuthService() = default;

  // Never an error for wrong credentials: the outcome says why (a failure is audited and
  // throttled per account and address).
  virtual Result<LoginOutcome> Login(const Request& caller, const LoginRequest& login) = 0;
  // Ends the caller's session; returns the Set-Cookie value that clears the cookie.
  virtual Result<std::string> Logout(const Request& caller) = 0;
  // {user, role, via, totp, cameras: {id: [rights...]}} over `cameras` (the ids that exist).
  virtual Result<nlohmann::json> Me(const Request& caller,
                                    const std::vector<std::string>& cameras) = 0;
  virtual Result<nlohmann::json> ListSessions(const Request& caller) = 0;  // the caller's
  virtual Result<void> RevokeSession(const Request& caller, int64_t id) = 0;
  virtual Result<int64_t> RevokeAllSessions(const Request& caller) = 0;  // "sign out everywhere"
  // The caller changes its own password, proving the current one: 0 when changed, else the
  // seconds to wait (throttled like a sign-in); kPermissionDenied when the current one is wrong,
  // kInvalidArgument for an unacceptable new one. Every other session of the user ends; the
  // caller's own stays.
  virtual Result<int64_t> ChangeOwnPassword(const Request& caller, std::string_view current,
                                            std::string_view replacement) = 0;

  // TOTP enrolment of the caller: Begin -> {secret, uri}; Confirm(code) -> {recovery_codes}.
  virtual Result<nlohmann::json> BeginTotp(const Request& caller) = 0;
  virtual Result<nlohmann::json> ConfirmTotp(const Request& caller, std::string_view code) = 0;
  virtual Result<void> DisableTotp(const Request& caller) = 0;

  // Admin: users and their rights.
  virtual Result<nlohmann::json> ListUsers(const Request& caller) = 0;
  virtual Result<nlohmann::json> AddUser(const Request& caller, std::string_view name,
                                         std::string_view role, std::string_view password) = 0;
  virtual Result<void> ChangeUser(const Request& caller, std::string_view name,
                                  const UserChange& change) = 0;
  virtual Result<void> DeleteUser(const Request& caller, std::string_view name) = 0;
  virtual Result<void> PutGrant(const Request& caller, std::string_view name,
                                std::string_view camera,
                                const std::vector<std::string>& rights) = 0;
  virtual Result<void> DeleteGrant(const Request& caller, std::string_view name,
                                   std::string_view camera) = 0;

  // API keys: {id, key (shown once), ...}; own keys, or every key for an admin.
  virtual Result<nlohmann::json> CreateApiKey(const Request& caller, const ApiKeyRequest& r) = 0;
  virtual Result<nlohmann::json> ListApiKeys(const Request& caller) = 0;
  virtual Result<void> DeleteApiKey(const Request& caller, int64_t id) = 0;

  // A signed URL for `path_and_query` (which the caller must be allowed to GET) valid for
  // ttl_secs (default 600, at most 86400): {url, expires}.
  virtual Result<nlohmann::json> Sign(const Request& caller, std::string_view path_and_query,
                                      std::optional<int64_t> ttl_secs) = 0;

  // Admin: the audit log, newest first: {entries: [...], next_before: id|null}.
  virtual Result<nlohmann::json> ListAudit(const AuditFilter& filter) = 0;
  // Appends an entry for the caller (camera changes, exports...). Failures are logged, not
  // returned: auditing never fails the request it records.
  virtual void Audit(const Request& caller, std::string_view action, std::string_view target,
                     const nlohmann::json& details) = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_AUTH_H_
