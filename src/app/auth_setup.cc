#include "app/auth_setup.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/crypto.h"
#include "config/key_file.h"

namespace nightjar::app {

bool IsLoopback(std::string_view listen) {
  return listen == "::1" || listen == "localhost" || listen.starts_with("127.");
}

Result<void> CheckAuthConfig(const config::DaemonConfig& c) {
  if (c.auth || !c.api_enabled) return Ok();
  if (!IsLoopback(c.listen)) {
    return Err(ErrorCode::kInvalidArgument,
               "[api] auth = false is allowed only when the server listens on loopback alone "
               "([api] listen = \"127.0.0.1\"), not on " +
                   c.listen);
  }
  return Ok();
}

namespace {

Result<void> WriteSecretFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Err(ErrorCode::kIo, "cannot create " + path + ": " + std::strerror(errno));
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Err(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
  return Ok();
}

}  // namespace

Result<DaemonAuth> StartAuth(const config::DaemonConfig& c, storage::Engine& engine,
                             const Clock& clock, const config::SecretBox& box, LogTail* tail) {
  auth::AuthOptions o;
  o.session_idle_secs = c.session_idle_days * 86400;
  o.session_max_secs = c.session_max_days * 86400;
  o.secure_cookies = !c.tls_cert.empty();
  o.audit_retain_days = c.audit_retain_days;
  o.require_totp_for_admins = c.require_totp_for_admins;
  NJ_TRY(o.url_key, config::LoadOrCreateKeyFile(c.base_path + "/url.key"));
  DaemonAuth out;
  out.auth = std::make_unique<auth::Authenticator>(
      [&engine](const auth::DbFn& fn) { return engine.WithDb(fn); }, clock, box, o);
  NJ_CHECK_OK(out.auth->Load());
  NJ_TRY(auto password, out.auth->EnsureInitialAdmin());
  if (password) {
    const std::string path = c.base_path + "/initial-admin-password";
    NJ_CHECK_OK(WriteSecretFile(path, *password + "\n"));
    // The one password ever logged, as the first start must say how to get in (on stderr; the
    // log tail the API serves shows *** instead).
    if (tail) tail->Redact(*password);
    spdlog::warn(
        "first start: created user \"admin\" with password {} (also in {}, mode 0600); change it "
        "with `nightjar user passwd admin`, then delete that file",
        *password, path);
  }
  if (!c.metrics_token.empty()) out.guard.metrics_token_sha256 = auth::Sha256(c.metrics_token);
  return out;
}

void RetentionAuditor::Poll(storage::Engine& engine, auth::Authenticator& auth) {
  const int64_t recordings = engine.deleted_by_retention();
  const int64_t bytes = engine.deleted_bytes_by_retention();
  if (recordings_ >= 0 && recordings > recordings_) {
    auth.AuditAs("system", "", "retention_delete", "",
                 {{"recordings", recordings - recordings_}, {"bytes", bytes - bytes_}});
  }
  recordings_ = recordings;
  bytes_ = bytes;
}

}  // namespace nightjar::app
