#include "rtsp/track_receiver.h"

#include <gtest/gtest.h>

#include "rtsp/depacketizer_test_util.h"
#include "rtsp/rtcp.h"

namespace nightjar::rtsp {
namespace {

using testing::Bytes;

// One AAC access unit per packet (RFC 3640 AAC-hbr): each packet completes an access unit, so
// what comes out shows exactly which packets were delivered.
std::unique_ptr<Depacketizer> Aac() {
  return testing::Make(testing::Media("MPEG4-GENERIC", 48000,
                                      {{"mode", "AAC-hbr"},
                                       {"sizelength", "13"},
                                       {"indexlength", "3"},
                                       {"indexdeltalength", "3"},
                                       {"config", "1190"}}));
}

Bytes Packet(uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t pt = 96) {
  std::vector<uint8_t> arena;
  std::vector<PayloadRef> refs;
  const Bytes au(20, static_cast<uint8_t>(seq));
  PacketizeAac(au, 1400, arena, refs);
  Bytes p(kRtpHeaderSize);
  WriteRtpHeader({true, pt, seq, ts, ssrc}, p.data());
  p.insert(p.end(), arena.begin(), arena.end());
  return p;
}

// The first fragment (no marker) of a 3000-byte access unit.
Bytes FirstFragment(uint32_t ssrc, uint16_t seq, uint32_t ts) {
  std::vector<uint8_t> arena;
  std::vector<PayloadRef> refs;
  PacketizeAac(Bytes(3000, 0x55), 1000, arena, refs);
  EXPECT_GT(refs.size(), 1u);
  EXPECT_FALSE(refs[0].marker);
  Bytes p(kRtpHeaderSize);
  WriteRtpHeader({false, 96, seq, ts, ssrc}, p.data());
  p.insert(p.end(), arena.begin() + refs[0].offset, arena.begin() + refs[0].offset + refs[0].size);
  return p;
}

class TrackReceiverTest : public ::testing::TestWithParam<bool> {
 protected:
  TrackReceiver r{Aac(), 96, GetParam(), 8};
  std::vector<AccessUnit> out;

  void Push(const Bytes& p) { ASSERT_TRUE(r.OnRtp(p, out)); }
};

TEST_P(TrackReceiverTest, ImplausiblePacketsAreDroppedAndCounted) {
  Push(Packet(7, 100, 1000));
  Push(Bytes{0x12, 0x34, 0x56});  // too short for RTP
  Bytes v1 = Packet(7, 101, 2024);
  v1[0] = 0x40;  // version 1
  Push(v1);
  Push(Packet(7, 101, 2024, 97));  // another payload type
  Push(Packet(99, 5000, 123456));  // a stray packet of another SSRC
  Push(Packet(7, 101, 2024));
  Push(Packet(7, 102, 3048));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].timestamp, 2024);
  EXPECT_EQ(r.stats().implausible, 3u);
  EXPECT_EQ(r.stats().wrong_payload_type, 1u);
  EXPECT_EQ(r.stats().restarts, 0u);
}

TEST_P(TrackReceiverTest, SsrcChangeContinuesTheTimeline) {
  for (uint16_t i = 0; i < 5; ++i) Push(Packet(7, 1000 + i, 50000 + 1024 * i));
  // The camera restarts its stream: new SSRC, sequence and timestamp base.
  for (uint16_t i = 0; i < 5; ++i) Push(Packet(8, 40000 + i, 900000000 + 1024 * i));
  ASSERT_EQ(out.size(), 10u);
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].timestamp - out[i - 1].timestamp, 1024) << i;
  }
  EXPECT_EQ(r.stats().restarts, 1u);
  EXPECT_EQ(r.stats().implausible, 0u);
  EXPECT_EQ(r.stats().lost, 0u);
  EXPECT_EQ(r.stats().dropped, 0u);  // the change came between access units: nothing lost
}

TEST_P(TrackReceiverTest, SsrcChangeInsideAnAccessUnitDropsThePart) {
  Push(Packet(7, 1, 1000));
  Push(FirstFragment(7, 2, 2024));  // the old stream ends here, mid access unit
  Push(Packet(8, 900, 5));
  Push(Packet(8, 901, 1029));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].timestamp, 1000);
  EXPECT_EQ(out[1].timestamp, 3048);  // one step after the abandoned unit's timestamp
  EXPECT_EQ(out[1].data.size(), 20u);
  EXPECT_EQ(out[2].timestamp, 4072);
}

TEST_P(TrackReceiverTest, BackwardsSequenceResetIsFollowed) {
  for (uint16_t i = 0; i < 5; ++i) Push(Packet(7, 30000 + i, 1024 * i));
  for (uint16_t i = 0; i < 5; ++i) Push(Packet(7, i, 1024 * (5 + i)));  // back to 0
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out.back().timestamp, 1024 * 9);
  EXPECT_EQ(r.stats().restarts, 1u);
  // A report about the restarted stream names its sequence numbers.
  EXPECT_EQ(r.stats().packets, 10u);
}

TEST_P(TrackReceiverTest, SenderReportsOfTheOldSsrcAreIgnored) {
  for (uint16_t i = 0; i < 3; ++i) Push(Packet(7, 10 + i, 1000 + 1024 * i));
  for (uint16_t i = 0; i < 3; ++i) Push(Packet(8, 500 + i, 77 + 1024 * i));
  ASSERT_TRUE(r.OnRtcp(BuildSenderReport({7, 1ull << 40, 1000, 3, 60}, "x")));
  EXPECT_FALSE(r.sender_clock().has_value());
  ASSERT_TRUE(r.OnRtcp(BuildSenderReport({8, 1ull << 40, 77 + 2048, 3, 60}, "x")));
  ASSERT_TRUE(r.sender_clock().has_value());
  EXPECT_EQ(r.sender_clock()->rtp_timestamp, out.back().timestamp);
}

TEST_P(TrackReceiverTest, ReceiverReportsFollowTheNewSsrc) {
  for (uint16_t i = 0; i < 3; ++i) Push(Packet(7, 10 + i, 1024 * i));
  for (uint16_t i = 0; i < 3; ++i) Push(Packet(8, 500 + i, 77 + 1024 * i));
  // RFC 3550 §6.4.2: RR header (8 bytes: V=2, RC=1, PT=201, length, our SSRC), then the block:
  // the reportee's SSRC, loss, the extended highest sequence number.
  const Bytes rr = r.BuildReport(0x1234);
  ASSERT_GE(rr.size(), 32u);
  EXPECT_EQ(rr[0], 0x81);
  EXPECT_EQ(rr[1], 201);
  auto u32 = [&](size_t at) {
    return uint32_t{rr[at]} << 24 | uint32_t{rr[at + 1]} << 16 | uint32_t{rr[at + 2]} << 8 |
           rr[at + 3];
  };
  EXPECT_EQ(u32(4), 0x1234u);
  EXPECT_EQ(u32(8), 8u);
  EXPECT_EQ(u32(12) & 0xffffff, 0u);  // nothing lost
  EXPECT_EQ(u32(16) & 0xffff, 502u);
}

INSTANTIATE_TEST_SUITE_P(TcpAndUdp, TrackReceiverTest, ::testing::Values(false, true));

}  // namespace
}  // namespace nightjar::rtsp
