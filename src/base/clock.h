// Clocks: where Nightjar asks "what time is it?".
//
// This module owns the Clock interface and its two implementations. Nothing outside src/cli (and
// tests) constructs a clock; everything else receives a Clock& so that tests can drive time with
// SimulatedClock instead of sleeping.
//
// A clock has two independent readings, kept apart on purpose:
//   - Now(): wall time (CLOCK_REALTIME) as Time90k. It is what recordings are labelled with, and it
//     can jump (NTP steps, an admin setting the date), even backwards.
//   - MonotonicNanos(): CLOCK_MONOTONIC, for measuring intervals and deadlines. It never jumps; its
//     epoch is arbitrary (boot), so only differences are meaningful.
// Code that needs "how long since X" uses the monotonic reading; code that needs "which instant is
// this" uses the wall reading, and must tolerate it jumping.
#ifndef NIGHTJAR_BASE_CLOCK_H_
#define NIGHTJAR_BASE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <mutex>

#include "base/time.h"

namespace nightjar {

// Implementations must be safe to call from any thread concurrently.
class Clock {
 public:
  virtual ~Clock() = default;

  // Current wall time.
  virtual Time90k Now() const = 0;

  // Nanoseconds on a monotonic clock with an arbitrary epoch.
  virtual int64_t MonotonicNanos() const = 0;
};

// The operating system's clocks (clock_gettime). Stateless; cheap to construct.
class RealClock final : public Clock {
 public:
  Time90k Now() const override;
  int64_t MonotonicNanos() const override;
};

// A clock for tests that moves only when told. Thread-safe; readers on other threads see each
// Advance/SetWall atomically (both readings change together).
class SimulatedClock final : public Clock {
 public:
  // Starts at the given wall time; the monotonic reading starts at `monotonic_start_nanos`
  // (default 1 s, so that code treating 0 as "unset" is not fooled).
  explicit SimulatedClock(Time90k wall_start, int64_t monotonic_start_nanos = 1'000'000'000);

  Time90k Now() const override;
  int64_t MonotonicNanos() const override;

  // Lets time pass: both readings move forward by d. The monotonic reading moves by d.ToNanos()
  // (truncated to whole ns). A negative d is a bug in the test: it asserts in debug builds and is
  // ignored otherwise, since a monotonic clock cannot go back. Use SetWall to step wall time back.
  void Advance(Duration90k d);

  // Steps only the wall clock, to any instant (also backwards), as an NTP step or a manual date
  // change would. The monotonic reading is unchanged.
  void SetWall(Time90k t);

 private:
  mutable std::mutex mu_;
  Time90k wall_;
  int64_t monotonic_nanos_;
};

// A shared grid of deadlines. Periodic work whose exact phase does not matter (watchdogs,
// keepalives, the UDP poller's ticks, batched writes) is due at multiples of its period on the
// steady clock rather than a period after it last ran, so the timers of many streams expire at
// the same instants and their thread wakes once for all of them, not once for each (each wake-up
// costs a context switch, and on a virtual machine a timer and an interrupt exit too). Periods
// that divide each other share instants: 20 ms and 100 ms ticks meet every 100 ms, 200 ms ones
// every 200 ms.
//
// The last multiple of `period` at or before `t` (`t` itself when period is not positive).
template <class TimePoint>
TimePoint FloorToGrid(TimePoint t, typename TimePoint::duration period) {
  if (period <= TimePoint::duration::zero()) return t;
  auto since = t.time_since_epoch();
  auto floor = since / period * period;
  if (floor > since) floor -= period;  // integer division truncates toward zero
  return TimePoint(floor);
}

// The first multiple of `period` strictly after `t` (`t` itself when period is not positive).
template <class TimePoint>
TimePoint NextOnGrid(TimePoint t, typename TimePoint::duration period) {
  if (period <= TimePoint::duration::zero()) return t;
  return FloorToGrid(t, period) + period;
}

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_CLOCK_H_
