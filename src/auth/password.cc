#include "auth/password.h"

#include <sodium.h>

#include <semaphore>

#include "auth/crypto.h"

namespace nightjar::auth {

namespace {
// At most two Argon2id computations at once in the process: each holds its memory limit (64 MiB)
// for its duration, and a burst of sign-ins or Basic-auth cache misses on the HTTP pool (4+
// threads) must not take a small board's memory. The others wait (on blocking threads).
std::counting_semaphore<2> hash_slots(2);

struct Slot {
  Slot() { hash_slots.acquire(); }
  ~Slot() { hash_slots.release(); }
};
}  // namespace

PasswordLimits DefaultPasswordLimits() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordLimits TestPasswordLimits() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Result<void> CheckUsername(std::string_view name) {
  if (name.empty() || name.size() > kMaxUsernameBytes) {
    return Err(ErrorCode::kInvalidArgument, "a username is 1 to 64 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Err(ErrorCode::kInvalidArgument,
                 "a username holds only letters, digits, '.', '_' and '-'");
    }
  }
  return Ok();
}

Result<void> CheckNewPassword(std::string_view password) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return Err(ErrorCode::kInvalidArgument, "a password is 8 to 1024 bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    return Err(ErrorCode::kInvalidArgument, "a password must not contain NUL");
  }
  return Ok();
}

Result<std::string> HashPassword(std::string_view password, const PasswordLimits& limits) {
  NJ_CHECK_OK(InitCrypto());
  if (password.size() > kMaxPasswordBytes) {
    return Err(ErrorCode::kInvalidArgument, "password too long");
  }
  char out[crypto_pwhash_STRBYTES];
  Slot slot;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), limits.opslimit, limits.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Err(ErrorCode::kInternal, "argon2id: out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!InitCrypto() || password.size() > kMaxPasswordBytes || hash.empty() ||
      hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  const std::string h(hash);  // NUL-terminated
  Slot slot;
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view hash, const PasswordLimits& limits) {
  if (hash.size() >= crypto_pwhash_STRBYTES || !hash.starts_with("$argon2id$")) return true;
  const std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), limits.opslimit, limits.memlimit) != 0;
}

std::string RandomPassword() { return RandomToken("", 15); }

}  // namespace nightjar::auth
