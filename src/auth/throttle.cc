#include "auth/throttle.h"

#include <algorithm>

namespace nightjar::auth {

namespace {
constexpr int64_t kNanos = 1'000'000'000;

std::string AccountKey(std::string_view user, std::string_view address) {
  return "u:" + std::string(user) + "\n" + std::string(address);
}
std::string AddressKey(std::string_view address) { return "a:" + std::string(address); }
}  // namespace

int64_t LoginThrottle::WaitFor(const std::string& key, int64_t now, int free) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  const Entry& e = it->second;
  if (now - e.last_failure_nanos >= kForgetSecs * kNanos) {
    entries_.erase(it);
    return 0;
  }
  if (e.failures < free) return 0;
  const int excess = std::min(e.failures - free, 5);
  const int64_t delay = std::min<int64_t>(int64_t{1} << excess, kMaxDelaySecs);
  const int64_t left = e.last_failure_nanos + delay * kNanos - now;
  return left <= 0 ? 0 : (left + kNanos - 1) / kNanos;
}

void LoginThrottle::Bump(const std::string& key, int64_t now) {
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) {
    // Bounded: drop the stalest entry (a linear scan, only when full).
    auto stalest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
      return a.second.last_failure_nanos < b.second.last_failure_nanos;
    });
    entries_.erase(stalest);
  }
  Entry& e = entries_[key];
  e.failures++;
  e.last_failure_nanos = now;
}

int64_t LoginThrottle::Check(std::string_view username, std::string_view address) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.MonotonicNanos();
  return std::max(WaitFor(AccountKey(username, address), now, kFreeFailures),
                  WaitFor(AddressKey(address), now, kFreeAddressFailures));
}

void LoginThrottle::Failed(std::string_view username, std::string_view address) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.MonotonicNanos();
  Bump(AccountKey(username, address), now);
  Bump(AddressKey(address), now);
}

void LoginThrottle::Succeeded(std::string_view username, std::string_view address) {
  std::lock_guard lock(mu_);
  entries_.erase(AccountKey(username, address));
}

std::string AddressOf(std::string_view remote) {
  if (remote.starts_with('[')) {
    const size_t close = remote.find(']');
    return std::string(remote.substr(1, close == std::string_view::npos ? remote.npos : close - 1));
  }
  const size_t colon = remote.rfind(':');
  if (colon == std::string_view::npos) return std::string(remote);
  return std::string(remote.substr(0, colon));
}

}  // namespace nightjar::auth
