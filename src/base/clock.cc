#include "base/clock.h"

#include <time.h>

#include <cassert>

namespace nightjar {

Time90k RealClock::Now() const {
  struct timespec ts;
  // CLOCK_REALTIME cannot fail with a valid pointer (clock_gettime(2)).
  clock_gettime(CLOCK_REALTIME, &ts);
  return Time90k::FromTimespec(ts);
}

int64_t RealClock::MonotonicNanos() const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

SimulatedClock::SimulatedClock(Time90k wall_start, int64_t monotonic_start_nanos)
    : wall_(wall_start), monotonic_nanos_(monotonic_start_nanos) {}

Time90k SimulatedClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_;
}

int64_t SimulatedClock::MonotonicNanos() const {
  std::lock_guard<std::mutex> lock(mu_);
  return monotonic_nanos_;
}

void SimulatedClock::Advance(Duration90k d) {
  assert(d >= Duration90k(0) && "a monotonic clock cannot go back");
  if (d < Duration90k(0)) return;  // release builds: ignore rather than break monotonicity
  std::lock_guard<std::mutex> lock(mu_);
  wall_ += d;
  monotonic_nanos_ += d.ToNanos().count();
}

void SimulatedClock::SetWall(Time90k t) {
  std::lock_guard<std::mutex> lock(mu_);
  wall_ = t;
}

}  // namespace nightjar
