// How SIGINT/SIGTERM become a stop request. Shells, `timeout` and some supervisors deliver the
// same stop request twice, to the process and to its process group, microseconds apart; taking
// the second as "exit now" would lose the seconds since the last checkpoint on an ordinary stop.
// So signals within kStopSignalWindow of the first are the same request; a signal after that is
// the operator insisting (the shutdown is stuck or too slow) and ends the process at once (the
// next start recovers what was written, as after a crash).
//
// systemd (docs/ARCHITECTURE.md §Stopping): `systemctl stop` sends SIGTERM to the main process
// (KillMode=control-group: to every process of the unit), waits TimeoutStopSec, then SIGKILL;
// the graceful shutdown finishes well within the default 90 s, and a SIGKILL loses only the
// seconds since the last checkpoint.
//
// Thread safety: none; the daemon calls it from its one signal handler.
#ifndef NIGHTJAR_APP_STOP_SIGNALS_H_
#define NIGHTJAR_APP_STOP_SIGNALS_H_

#include <cstdint>
#include <optional>

namespace nightjar::app {

inline constexpr int64_t kStopSignalWindowNanos = 2'000'000'000;  // 2 s

class StopSignals {
 public:
  enum class Action {
    kStop,     // the first signal: finish recordings and shut down
    kSame,     // a repeat within the window: the same request, nothing more to do
    kExitNow,  // a later signal: exit at once
  };
  // `monotonic_nanos`: base::Clock::MonotonicNanos() when the signal arrived.
  Action OnSignal(int64_t monotonic_nanos) {
    if (!first_) {
      first_ = monotonic_nanos;
      return Action::kStop;
    }
    return monotonic_nanos - *first_ < kStopSignalWindowNanos ? Action::kSame : Action::kExitNow;
  }

 private:
  std::optional<int64_t> first_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_STOP_SIGNALS_H_
