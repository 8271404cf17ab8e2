// Password hashing: Argon2id through libsodium's crypto_pwhash_str, and the bounds every
// password and username must satisfy.
//
// Limits: libsodium's INTERACTIVE (2 passes over 64 MiB) rather than MODERATE. MODERATE
// (256 MiB, ~0.7 s on a desktop core) makes one login cost seconds on the small ARM boards
// Nightjar runs on, and several concurrent logins (or Basic-auth cache misses) could exhaust a
// 512 MB board's memory. INTERACTIVE is libsodium's documented choice for online logins; online
// guessing is bounded by the login throttle (throttle.h), and a stolen database still costs an
// attacker 64 MiB and ~2 passes per guess. Hashes made with other limits are upgraded on the
// next successful login (NeedsRehash).
//
// Measured (this repository's 2-core build machine, loaded): INTERACTIVE 96 ms per hash,
// MODERATE 549 ms.
//
// Thread safety: thread-safe; each Hash/Verify allocates its memory limit for ~100 ms and at most
// two run at once in the process (the others wait), so call them on a blocking thread, never an
// I/O thread.
#ifndef NIGHTJAR_AUTH_PASSWORD_H_
#define NIGHTJAR_AUTH_PASSWORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace nightjar::auth {

struct PasswordLimits {
  uint64_t opslimit;
  size_t memlimit;
};
// crypto_pwhash_OPSLIMIT_INTERACTIVE (2) / MEMLIMIT_INTERACTIVE (64 MiB).
PasswordLimits DefaultPasswordLimits();
// The cheapest limits libsodium allows: for unit tests only.
PasswordLimits TestPasswordLimits();

inline constexpr size_t kMaxPasswordBytes = 1024;
inline constexpr size_t kMinPasswordBytes = 8;
inline constexpr size_t kMaxUsernameBytes = 64;

// kInvalidArgument unless 1..64 bytes of [A-Za-z0-9._-] (no '@' or ':' so "user:password" in
// Basic auth and the audit log are unambiguous).
Result<void> CheckUsername(std::string_view name);
// kInvalidArgument unless 8..1024 bytes without NUL.
Result<void> CheckNewPassword(std::string_view password);

// An encoded Argon2id string ("$argon2id$v=19$m=...").
Result<std::string> HashPassword(std::string_view password, const PasswordLimits& limits);
// Whether `password` matches `hash` (false for any malformed hash or a password over the limit).
bool VerifyPassword(std::string_view hash, std::string_view password);
// Whether `hash` was made with other limits (or another algorithm) and should be redone.
bool NeedsRehash(std::string_view hash, const PasswordLimits& limits);

// A random password for a new account: 20 base64url characters (120 bits).
std::string RandomPassword();

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_PASSWORD_H_
