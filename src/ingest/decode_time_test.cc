#include "ingest/decode_time.h"

#include <gtest/gtest.h>

#include <vector>

namespace nightjar::ingest {
namespace {

using Assigner = DecodeTimeAssigner<int>;

std::vector<Assigner::Out> Feed(Assigner& a, const std::vector<int64_t>& pts, bool flush = true) {
  std::vector<Assigner::Out> out;
  for (size_t i = 0; i < pts.size(); ++i) a.Push(static_cast<int>(i), pts[i], out);
  if (flush) a.Flush(out);
  return out;
}

TEST(DecodeTime, NoReorderingPassesThrough) {
  Assigner a(0);
  std::vector<Assigner::Out> out;
  a.Push(0, 1000, out);
  ASSERT_EQ(out.size(), 1u);  // no delay at depth 0
  EXPECT_EQ(out[0].dts, 1000);
  EXPECT_EQ(out[0].cto, 0);
}

TEST(DecodeTime, TwoBFramesGiveMonotonicDtsAndNonNegativeOffsets) {
  // Decode order I0 P3 B1 B2 P6 B4 B5 (presentation index x 3000), as x264 with 2 B-frames.
  std::vector<int64_t> pts;
  for (int p : {0, 3, 1, 2, 6, 4, 5, 9, 7, 8}) pts.push_back(90000 + p * 3000);
  Assigner a(2);
  auto out = Feed(a, pts);
  ASSERT_EQ(out.size(), pts.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].item, static_cast<int>(i));  // decode order kept
    // The (i-2)-th presentation time; the first two extrapolated back by the frame interval.
    EXPECT_EQ(out[i].dts, 90000 + (static_cast<int64_t>(i) - 2) * 3000);
    EXPECT_GE(out[i].cto, 0);
    EXPECT_EQ(out[i].dts + out[i].cto, pts[i]);  // pts recovered exactly
  }
}

TEST(DecodeTime, DeeperReorderingThanDeclaredStaysMonotonic) {
  std::vector<int64_t> pts = {0, 3000, 1000, 2000, 6000, 4000, 5000};
  Assigner a(0);  // the stream claims no reordering
  auto out = Feed(a, pts);
  ASSERT_EQ(out.size(), pts.size());
  for (size_t i = 1; i < out.size(); ++i) EXPECT_GT(out[i].dts, out[i - 1].dts);
  for (const auto& o : out) EXPECT_GE(o.cto, 0);
}

TEST(DecodeTime, TimestampJumpsStartANewTimelineInsteadOfClamping) {
  for (int64_t jump : {-90000 * 60, 90000 * 60}) {
    Assigner a(2);
    std::vector<int64_t> pts;
    for (int p : {0, 3, 1, 2, 6, 4, 5}) pts.push_back(900000 + p * 3000);
    for (int p : {0, 3, 1, 2, 6, 4, 5}) pts.push_back(900000 + jump + 21000 + int64_t{p} * 3000);
    auto out = Feed(a, pts);
    ASSERT_EQ(out.size(), pts.size());
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].dts + out[i].cto, pts[i]) << "frame " << i << " jump " << jump;
      EXPECT_GE(out[i].cto, 0);
      if (i != 7 && i > 0) {
        EXPECT_GT(out[i].dts, out[i - 1].dts) << i;  // 7: the jump
      }
    }
    // After the jump, decode times follow the new timeline (not +1 tick steps).
    EXPECT_EQ(out[13].dts - out[12].dts, 3000);
  }
}

// At depth 0 (most cameras) frames pass straight through: a backward step is clamped (decode
// times keep increasing), a jump of more than kMaxReorderSpan starts a new timeline.
TEST(DecodeTime, NoReorderingClampsStepsAndFollowsJumps) {
  const std::vector<int64_t> pts = {900000,
                                    903000,
                                    902000,
                                    906000,
                                    906000 - 90000 * 60,
                                    909000 - 90000 * 60,
                                    912000 - 90000 * 60};
  Assigner a(0);
  std::vector<Assigner::Out> out;
  for (size_t i = 0; i < pts.size(); ++i) {
    a.Push(static_cast<int>(i), pts[i], out);
    ASSERT_EQ(out.size(), i + 1) << "frame " << i << " held";
  }
  const std::vector<int64_t> dts = {900000,
                                    903000,
                                    903001,
                                    906000,
                                    906000 - 90000 * 60,
                                    909000 - 90000 * 60,
                                    912000 - 90000 * 60};
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].item, static_cast<int>(i));
    EXPECT_EQ(out[i].dts, dts[i]) << "frame " << i;
    EXPECT_EQ(out[i].cto, 0) << "frame " << i;
  }
}

TEST(DecodeTime, ResetForgetsHeldFrames) {
  Assigner a(2);
  std::vector<Assigner::Out> out;
  a.Push(0, 0, out);
  a.Push(1, 3000, out);
  EXPECT_TRUE(out.empty());
  a.Reset();
  a.Flush(out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace nightjar::ingest
