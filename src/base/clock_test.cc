#include "base/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace nightjar {
namespace {

TEST(RealClockTest, WallClockIsNearTimeAndMonotonicNeverGoesBack) {
  RealClock clock;
  // Anything after 2020-01-01 and before 2200 means the conversion from timespec is sane.
  EXPECT_GT(clock.Now(), Time90k::FromUnixSeconds(1577836800));
  EXPECT_LT(clock.Now(), Time90k::FromUnixSeconds(7258118400));
  int64_t prev = clock.MonotonicNanos();
  for (int i = 0; i < 1000; ++i) {
    int64_t now = clock.MonotonicNanos();
    ASSERT_GE(now, prev);
    prev = now;
  }
  // Usable through the interface.
  const Clock& c = clock;
  EXPECT_GT(c.MonotonicNanos(), 0);
}

TEST(SimulatedClockTest, MovesOnlyWhenTold) {
  const Time90k start = Time90k::FromUnixSeconds(1771509600);
  SimulatedClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.MonotonicNanos(), 1'000'000'000);
  EXPECT_EQ(clock.Now(), start);  // reading does not advance it

  clock.Advance(Duration90k::FromMillis(1500));
  EXPECT_EQ(clock.Now(), start + Duration90k::FromMillis(1500));
  EXPECT_EQ(clock.MonotonicNanos(), 2'500'000'000);

  SimulatedClock custom(start, 42);
  EXPECT_EQ(custom.MonotonicNanos(), 42);
}

TEST(SimulatedClockTest, WallSteppingLeavesMonotonicAlone) {
  const Time90k start = Time90k::FromUnixSeconds(1771509600);
  SimulatedClock clock(start);
  clock.Advance(Duration90k::FromSeconds(10));
  int64_t mono = clock.MonotonicNanos();

  // An NTP step backwards by an hour.
  clock.SetWall(start - Duration90k::FromSeconds(3600));
  EXPECT_EQ(clock.Now(), start - Duration90k::FromSeconds(3600));
  EXPECT_EQ(clock.MonotonicNanos(), mono);

  // Time passing afterwards moves both from where they are.
  clock.Advance(Duration90k::FromSeconds(1));
  EXPECT_EQ(clock.Now(), start - Duration90k::FromSeconds(3599));
  EXPECT_EQ(clock.MonotonicNanos(), mono + 1'000'000'000);

  // And forwards.
  clock.SetWall(start + Duration90k::FromSeconds(86400));
  EXPECT_EQ(clock.Now(), start + Duration90k::FromSeconds(86400));
  EXPECT_EQ(clock.MonotonicNanos(), mono + 1'000'000'000);
}

TEST(SimulatedClockTest, ConcurrentAdvancesAreNotLost) {
  SimulatedClock clock(Time90k(0), 0);
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(Duration90k(9));  // 9 ticks = 100 us exactly
        (void)clock.Now();
        (void)clock.MonotonicNanos();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Now(), Time90k(int64_t{kThreads} * 1000 * 9));
  EXPECT_EQ(clock.MonotonicNanos(), int64_t{kThreads} * 1000 * 100'000);
}

using std::chrono::milliseconds;

// The steady clock's instant `ms` milliseconds from its epoch.
std::chrono::steady_clock::time_point At(int64_t ms) {
  return std::chrono::steady_clock::time_point(milliseconds(ms));
}

TEST(GridTest, NextOnGridIsTheFirstMultipleStrictlyAfter) {
  EXPECT_EQ(NextOnGrid(At(0), milliseconds(100)), At(100));
  EXPECT_EQ(NextOnGrid(At(1), milliseconds(100)), At(100));
  EXPECT_EQ(NextOnGrid(At(99), milliseconds(100)), At(100));
  EXPECT_EQ(NextOnGrid(At(100), milliseconds(100)), At(200));
  EXPECT_EQ(NextOnGrid(At(-1), milliseconds(100)), At(0));
  EXPECT_EQ(NextOnGrid(At(-100), milliseconds(100)), At(0));
  EXPECT_EQ(NextOnGrid(At(-150), milliseconds(100)), At(-100));
  EXPECT_EQ(NextOnGrid(At(37), milliseconds(0)), At(37));
  // Timers started at different moments, with periods that divide each other, meet.
  EXPECT_EQ(NextOnGrid(At(1'234'567), milliseconds(200)), At(1'234'600));
  EXPECT_EQ(NextOnGrid(At(1'234'511), milliseconds(100)), At(1'234'600));
  EXPECT_EQ(NextOnGrid(At(1'234'581), milliseconds(20)), At(1'234'600));
  EXPECT_EQ(NextOnGrid(At(1'234'401), milliseconds(200)), At(1'234'600));
}

TEST(GridTest, FloorToGridIsTheLastMultipleAtOrBefore) {
  EXPECT_EQ(FloorToGrid(At(0), milliseconds(125)), At(0));
  EXPECT_EQ(FloorToGrid(At(124), milliseconds(125)), At(0));
  EXPECT_EQ(FloorToGrid(At(125), milliseconds(125)), At(125));
  EXPECT_EQ(FloorToGrid(At(-1), milliseconds(125)), At(-125));
  EXPECT_EQ(FloorToGrid(At(-125), milliseconds(125)), At(-125));
  EXPECT_EQ(FloorToGrid(At(37), milliseconds(-5)), At(37));
}

}  // namespace
}  // namespace nightjar
