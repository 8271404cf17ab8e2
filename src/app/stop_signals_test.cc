#include "app/stop_signals.h"

#include <gtest/gtest.h>

namespace nightjar::app {
namespace {

using Action = StopSignals::Action;

TEST(StopSignals, FirstSignalStops) {
  StopSignals s;
  EXPECT_EQ(s.OnSignal(100), Action::kStop);
}

TEST(StopSignals, SignalsToProcessAndGroupAreOneRequest) {
  StopSignals s;
  EXPECT_EQ(s.OnSignal(1'000), Action::kStop);
  EXPECT_EQ(s.OnSignal(1'050), Action::kSame);  // microseconds apart: SIGINT to pid and pgid
  EXPECT_EQ(s.OnSignal(1'000 + kStopSignalWindowNanos - 1), Action::kSame);
}

TEST(StopSignals, ALaterSignalExitsAtOnce) {
  StopSignals s;
  EXPECT_EQ(s.OnSignal(0), Action::kStop);
  EXPECT_EQ(s.OnSignal(10), Action::kSame);
  EXPECT_EQ(s.OnSignal(kStopSignalWindowNanos), Action::kExitNow);
  EXPECT_EQ(s.OnSignal(kStopSignalWindowNanos * 5), Action::kExitNow);
}

}  // namespace
}  // namespace nightjar::app
