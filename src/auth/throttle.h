// Login throttling: growing delays after failed sign-ins, per (account, source address) and per
// source address, never a lockout.
//
// After kFreeFailures failures of an (account, address) (kFreeAddressFailures of an address), each
// further attempt must wait 2^(failures - free) s after the last failure, capped at kMaxDelaySecs;
// Check answers how long is left (the HTTP layer says 429 with Retry-After, holding no thread). A
// success clears the (account, address) key; the address key only decays (kForgetSecs without a
// failure forgets it), so signing in to one's own account does not reset a guessing budget. Keys
// are per address, so a stranger guessing the admin's password from elsewhere only slows itself:
// the admin, from its own address, signs in at once. (Guessing spread over many addresses is slowed
// per address only; Argon2id's cost and strong passwords bound it; docs/security.md.)
//
// Thread safety: all methods lock an internal mutex and never block otherwise; the table is
// bounded (kMaxEntries; the stalest entries go first).
#ifndef NIGHTJAR_AUTH_THROTTLE_H_
#define NIGHTJAR_AUTH_THROTTLE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace nightjar::auth {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;          // per (account, address)
  static constexpr int kFreeAddressFailures = 20;  // per address, all accounts (NAT, typos)
  static constexpr int64_t kMaxDelaySecs = 30;
  static constexpr int64_t kForgetSecs = int64_t{15} * 60;
  static constexpr size_t kMaxEntries = 10000;

  explicit LoginThrottle(const Clock& clock) : clock_(clock) {}

  // Seconds to wait before `username` may try from `address` (0: now). `address` is the client
  // address without port.
  int64_t Check(std::string_view username, std::string_view address);
  void Failed(std::string_view username, std::string_view address);
  void Succeeded(std::string_view username, std::string_view address);

 private:
  struct Entry {
    int failures = 0;
    int64_t last_failure_nanos = 0;
  };
  int64_t WaitFor(const std::string& key, int64_t now, int free);  // mu_ held
  void Bump(const std::string& key, int64_t now);                  // mu_ held

  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// "10.0.0.1:5555" -> "10.0.0.1"; "[::1]:80" or "::1:80" forms -> "::1".
std::string AddressOf(std::string_view remote);

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_THROTTLE_H_
