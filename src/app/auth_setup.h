// Authentication for the daemon: the checks of [api] auth, the Authenticator over the engine's
// database, the first start's admin account, and the audit entries of retention.
//
// Threading: call from the daemon's thread (blocking).
#ifndef NIGHTJAR_APP_AUTH_SETUP_H_
#define NIGHTJAR_APP_AUTH_SETUP_H_

#include <memory>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "auth/guard.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/log_tail.h"
#include "config/daemon_config.h"
#include "config/secret_box.h"
#include "storage/engine.h"

namespace nightjar::app {

// Whether `listen` is a loopback address only ("127.0.0.1", any 127/8, "::1", "localhost").
bool IsLoopback(std::string_view listen);

// kInvalidArgument when [api] auth = false but the server would listen beyond loopback.
Result<void> CheckAuthConfig(const config::DaemonConfig& c);

struct DaemonAuth {
  std::unique_ptr<auth::Authenticator> auth;
  auth::GuardOptions guard;
};

// Loads users, sessions and keys, creates `admin` on first start (its password written to
// <data>/initial-admin-password, mode 0600, and logged with how to change it), and reads or
// creates <data>/url.key.
// The admin password logged on the first start is kept out of `tail` (when given).
Result<DaemonAuth> StartAuth(const config::DaemonConfig& c, storage::Engine& engine,
                             const Clock& clock, const config::SecretBox& box,
                             LogTail* tail = nullptr);

// One audit entry when retention deleted recordings since the last call (a summary per
// maintenance pass; the poll loop calls it about once a second).
class RetentionAuditor {
 public:
  void Poll(storage::Engine& engine, auth::Authenticator& auth);

 private:
  int64_t recordings_ = -1, bytes_ = 0;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_AUTH_SETUP_H_
