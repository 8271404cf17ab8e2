#include "rtsp/stall.h"

#include <gtest/gtest.h>

namespace nightjar::rtsp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(StallTest, FirstFrameWaitIsTheConfiguredTimeout) {
  StallDetector d(seconds(10));
  EXPECT_FALSE(d.Stalled(seconds(100)));  // not playing yet
  d.Start(seconds(100));
  EXPECT_EQ(d.Limit(), seconds(10));
  EXPECT_FALSE(d.Stalled(seconds(109)));
  EXPECT_TRUE(d.Stalled(seconds(111)));
}

TEST(StallTest, ThirtyFpsStreamStallsAfterTwoSeconds) {
  StallDetector d(seconds(10));
  d.Start(seconds(0));
  milliseconds t(4000);  // a slow first key frame does not count as an interval
  for (int i = 0; i < 90; ++i, t += milliseconds(33)) d.OnMedia(t);
  t -= milliseconds(33);
  EXPECT_EQ(d.longest_interval(), milliseconds(33));
  EXPECT_EQ(d.Limit(), seconds(2));
  EXPECT_FALSE(d.Stalled(t + milliseconds(1900)));
  EXPECT_TRUE(d.Stalled(t + milliseconds(2100)));
}

TEST(StallTest, ScalesWithTheLongestInterval) {
  StallDetector d(seconds(10));
  d.Start(seconds(0));
  d.OnMedia(seconds(1));
  d.OnMedia(milliseconds(1100));
  d.OnMedia(milliseconds(2100));  // a 1 s gap (1 fps, or a burst of loss)
  d.OnMedia(milliseconds(2200));
  EXPECT_EQ(d.Limit(), seconds(4));
  EXPECT_FALSE(d.Stalled(milliseconds(6100)));
  EXPECT_TRUE(d.Stalled(milliseconds(6300)));
}

TEST(StallTest, NeverBeyondTheConfiguredTimeout) {
  StallDetector d(seconds(10));
  d.Start(seconds(0));
  d.OnMedia(seconds(1));
  d.OnMedia(seconds(6));  // 5 s apart: 4x would be 20 s
  EXPECT_EQ(d.Limit(), seconds(10));
  // A configured timeout under the minimum does not lower it.
  StallDetector s(milliseconds(500));
  s.Start(seconds(0));
  s.OnMedia(milliseconds(100));
  s.OnMedia(milliseconds(133));
  EXPECT_EQ(s.Limit(), seconds(2));
}

TEST(StallTest, PacketsOfALargeFrameAreNotSilence) {
  StallDetector d(seconds(10));
  d.Start(seconds(0));
  milliseconds t(0);
  for (int i = 0; i < 30; ++i, t += milliseconds(33)) d.OnMedia(t);
  // A key frame that takes 3 s to arrive: its packets keep coming, no access unit completes.
  for (int i = 0; i < 30; ++i, t += milliseconds(100)) {
    d.OnPacket(t);
    EXPECT_FALSE(d.Stalled(t + milliseconds(50)));
  }
  d.OnMedia(t);
  EXPECT_EQ(d.Limit(), seconds(10));  // 4 x the 3 s interval, capped at the timeout
  // Without packets, 2 s of silence would have ended it.
  StallDetector quiet(seconds(10));
  quiet.Start(seconds(0));
  for (milliseconds q(0); q < milliseconds(990); q += milliseconds(33)) quiet.OnMedia(q);
  EXPECT_TRUE(quiet.Stalled(milliseconds(990 + 2100)));
}

TEST(StallTest, StartForgetsTheLastSession) {
  StallDetector d(seconds(10));
  d.Start(seconds(0));
  d.OnMedia(seconds(1));
  d.OnMedia(seconds(3));
  d.Start(seconds(10));
  EXPECT_EQ(d.longest_interval(), std::nullopt);
  EXPECT_EQ(d.Limit(), seconds(10));
}

}  // namespace
}  // namespace nightjar::rtsp
