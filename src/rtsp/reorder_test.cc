#include "rtsp/reorder.h"

#include <gtest/gtest.h>

namespace nightjar::rtsp {
namespace {

TEST(TimestampUnwrapperTest, WrapsBothWays) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(0xfffff000u), 0xfffff000);
  EXPECT_EQ(u.Unwrap(0x00000100u), 0x100000100);  // forward over the wrap
  EXPECT_EQ(u.Unwrap(0xffffff00u), 0xffffff00);   // back over it (a reordered packet)
  EXPECT_EQ(u.Unwrap(0x00001000u), 0x100001000);
  EXPECT_EQ(u.Unwrap(0x80001000u), 0x80001000);  // a step of exactly 2^31 counts as backwards
}

TEST(TimestampUnwrapperTest, BackwardsFromStart) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(100), 100);
  EXPECT_EQ(u.Unwrap(0xffffff00u), -256);
  EXPECT_EQ(u.Unwrap(50), 50);
  // Long runs keep counting: 3 wraps forward in steps of 2^30.
  int64_t v = 50;
  uint32_t ts = 50;
  for (int i = 0; i < 12; ++i) {
    ts += 1u << 30;
    v += int64_t{1} << 30;
    EXPECT_EQ(u.Unwrap(ts), v);
  }
}

TEST(SequenceUnwrapperTest, WrapsBothWays) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.Unwrap(65530), 65530);
  EXPECT_EQ(u.Unwrap(2), 65538);
  EXPECT_EQ(u.Unwrap(65535), 65535);
  EXPECT_EQ(u.Unwrap(0), 65536);
  EXPECT_EQ(u.Unwrap(1), 65537);
  SequenceUnwrapper d;
  EXPECT_EQ(d.Unwrap(3), 3);
  EXPECT_EQ(d.Unwrap(65534), -2);
}

std::vector<uint8_t> B(uint8_t v) { return {v}; }

TEST(ReorderBufferTest, InOrderPassesStraightThrough) {
  ReorderBuffer rb(4);
  for (int64_t s = 10; s < 20; ++s) {
    ASSERT_TRUE(rb.Insert(s, B(static_cast<uint8_t>(s))));
    auto p = rb.Next();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->sequence, s);
    EXPECT_EQ(p->data, B(static_cast<uint8_t>(s)));
    EXPECT_FALSE(p->loss_before);
    EXPECT_FALSE(rb.Next());
  }
  EXPECT_EQ(rb.lost(), 0u);
}

TEST(ReorderBufferTest, Reorders) {
  ReorderBuffer rb(8);
  ASSERT_TRUE(rb.Insert(1, B(1)));
  ASSERT_EQ(rb.Next()->sequence, 1);
  ASSERT_TRUE(rb.Insert(3, B(3)));
  ASSERT_TRUE(rb.Insert(4, B(4)));
  EXPECT_FALSE(rb.Next());  // waiting for 2
  ASSERT_TRUE(rb.Insert(2, B(2)));
  for (int64_t s : {2, 3, 4}) {
    auto p = rb.Next();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->sequence, s);
    EXPECT_FALSE(p->loss_before);
  }
  EXPECT_FALSE(rb.Next());
  EXPECT_EQ(rb.lost(), 0u);
}

TEST(ReorderBufferTest, DuplicatesAndLatePacketsDropped) {
  ReorderBuffer rb(8);
  ASSERT_TRUE(rb.Insert(5, B(5)));
  ASSERT_TRUE(rb.Next());
  EXPECT_FALSE(rb.Insert(5, B(5)));  // already delivered
  EXPECT_FALSE(rb.Insert(4, B(4)));  // older than what was delivered
  ASSERT_TRUE(rb.Insert(7, B(7)));
  EXPECT_FALSE(rb.Insert(7, B(7)));  // duplicate of a held one
  EXPECT_EQ(rb.late_or_duplicate(), 3u);
  ASSERT_TRUE(rb.Insert(6, B(6)));
  EXPECT_EQ(rb.Next()->sequence, 6);
  EXPECT_EQ(rb.Next()->sequence, 7);
  EXPECT_FALSE(rb.Next());
}

TEST(ReorderBufferTest, CapacityOverflowMarksLoss) {
  ReorderBuffer rb(3);
  ASSERT_TRUE(rb.Insert(100, B(0)));
  ASSERT_TRUE(rb.Next());
  // 101 and 102 never come.
  ASSERT_TRUE(rb.Insert(103, B(3)));
  EXPECT_FALSE(rb.Next());
  ASSERT_TRUE(rb.Insert(105, B(5)));
  EXPECT_FALSE(rb.Next());
  ASSERT_TRUE(rb.Insert(104, B(4)));  // now full: give up on 101..102
  auto p = rb.Next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 103);
  EXPECT_TRUE(p->loss_before);
  EXPECT_EQ(rb.lost(), 2u);
  p = rb.Next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 104);
  EXPECT_FALSE(p->loss_before);
  EXPECT_EQ(rb.Next()->sequence, 105);
  EXPECT_FALSE(rb.Next());
  EXPECT_FALSE(rb.Insert(102, B(2)));  // the skipped packet arriving after all: too late
}

TEST(ReorderBufferTest, DrainDeliversEverythingMarkingGaps) {
  ReorderBuffer rb(16);
  ASSERT_TRUE(rb.Insert(0, B(0)));
  ASSERT_TRUE(rb.Next());
  ASSERT_TRUE(rb.Insert(2, B(2)));
  ASSERT_TRUE(rb.Insert(5, B(5)));
  EXPECT_FALSE(rb.Next());
  auto p = rb.Drain();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 2);
  EXPECT_TRUE(p->loss_before);
  p = rb.Drain();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 5);
  EXPECT_TRUE(p->loss_before);
  EXPECT_FALSE(rb.Drain());
  EXPECT_EQ(rb.lost(), 3u);  // 1, 3, 4
}

TEST(ReorderBufferTest, WithUnwrappedSequenceAcrossTheWrap) {
  SequenceUnwrapper u;
  ReorderBuffer rb(8);
  std::vector<int64_t> got;
  for (uint16_t s : {65533, 65535, 65534, 1, 0, 2}) {
    rb.Insert(u.Unwrap(s), B(static_cast<uint8_t>(s)));
    while (auto p = rb.Next()) got.push_back(p->sequence);
  }
  EXPECT_EQ(got, (std::vector<int64_t>{65533, 65534, 65535, 65536, 65537, 65538}));
  EXPECT_EQ(rb.lost(), 0u);
}

// The copy-free path takes only what Insert + Next would have delivered at once, and leaves the
// buffer exactly as they would have.
TEST(ReorderBufferTest, TakeInOrderOnlyWhenNothingIsHeldAndTheSequenceIsNext) {
  ReorderBuffer rb(4);
  EXPECT_TRUE(rb.TakeInOrder(10));  // the first ever
  EXPECT_TRUE(rb.TakeInOrder(11));
  EXPECT_FALSE(rb.TakeInOrder(13));  // a gap: must wait in the buffer
  ASSERT_TRUE(rb.Insert(13, B(13)));
  EXPECT_FALSE(rb.Next());
  EXPECT_FALSE(rb.TakeInOrder(12));  // 13 is held: 12 goes through the buffer to keep order
  ASSERT_TRUE(rb.Insert(12, B(12)));
  std::vector<int64_t> got;
  while (auto p = rb.Next()) got.push_back(p->sequence);
  EXPECT_EQ(got, (std::vector<int64_t>{12, 13}));
  EXPECT_TRUE(rb.TakeInOrder(14));
  EXPECT_FALSE(rb.TakeInOrder(14));    // a duplicate is never taken...
  EXPECT_FALSE(rb.Insert(14, B(14)));  // ...and Insert counts it
  EXPECT_EQ(rb.late_or_duplicate(), 1u);
  EXPECT_EQ(rb.lost(), 0u);
}

}  // namespace
}  // namespace nightjar::rtsp
