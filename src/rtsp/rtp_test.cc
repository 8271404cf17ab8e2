#include "rtsp/rtp.h"

#include <gtest/gtest.h>

#include "rtsp/rtcp.h"

namespace nightjar::rtsp {
namespace {

std::vector<uint8_t> Nal(uint8_t header, size_t size) {
  std::vector<uint8_t> n(size);
  n[0] = header;
  for (size_t i = 1; i < size; ++i) n[i] = static_cast<uint8_t>(i * 7);
  return n;
}

// Reassembles H.264 payloads the way RFC 6184 §5.7-5.8 receivers do.
std::vector<std::vector<uint8_t>> DepacketizeH264(const std::vector<uint8_t>& arena,
                                                  const std::vector<PayloadRef>& refs) {
  std::vector<std::vector<uint8_t>> nals;
  for (const auto& r : refs) {
    const uint8_t* p = arena.data() + r.offset;
    uint8_t type = p[0] & 0x1f;
    if (type == 24) {
      for (size_t off = 1; off < r.size;) {
        size_t len = (size_t{p[off]} << 8) | p[off + 1];
        nals.emplace_back(p + off + 2, p + off + 2 + len);
        off += 2 + len;
      }
    } else if (type == 28) {
      if (p[1] & 0x80) nals.push_back({static_cast<uint8_t>((p[0] & 0xe0) | (p[1] & 0x1f))});
      nals.back().insert(nals.back().end(), p + 2, p + r.size);
    } else {
      nals.emplace_back(p, p + r.size);
    }
  }
  return nals;
}

TEST(RtpTest, HeaderRoundTrip) {
  uint8_t buf[16] = {};
  RtpHeader h{true, 96, 0xfffe, 0x89abcdef, 0x01020304};
  WriteRtpHeader(h, buf);
  buf[12] = 0x65;
  auto p = ParseRtp(std::span(buf, 13));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->header.marker);
  EXPECT_EQ(p->header.payload_type, 96);
  EXPECT_EQ(p->header.sequence, 0xfffe);
  EXPECT_EQ(p->header.timestamp, 0x89abcdefu);
  EXPECT_EQ(p->header.ssrc, 0x01020304u);
  ASSERT_EQ(p->payload.size(), 1u);
  EXPECT_EQ(p->payload[0], 0x65);
}

TEST(RtpTest, ParseHandlesCsrcExtensionPadding) {
  std::vector<uint8_t> pkt = {0xb1, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,  // P, X, CC=1
                              9,    9,    9, 9,                          // CSRC
                              0xbe, 0xde, 0, 1, 7, 7, 7, 7,              // extension, 1 word
                              0x41, 0x42, 0, 0, 3};                      // payload + 3 padding
  auto p = ParseRtp(pkt);
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_EQ(p->payload.size(), 2u);
  EXPECT_EQ(p->payload[0], 0x41);
  pkt.back() = 40;  // padding longer than the packet
  EXPECT_FALSE(ParseRtp(pkt));
  EXPECT_FALSE(ParseRtp(std::span(pkt).first(11)));
  pkt[0] = 0x40;
  EXPECT_FALSE(ParseRtp(pkt));
}

TEST(RtpTest, H264AggregatesSmallAndFragmentsLarge) {
  auto sps = Nal(0x67, 20), pps = Nal(0x68, 6), idr = Nal(0x65, 5000);
  std::vector<std::span<const uint8_t>> au = {sps, pps, idr};
  std::vector<uint8_t> arena;
  std::vector<PayloadRef> refs;
  PacketizeH264(au, 1400, arena, refs);
  ASSERT_GE(refs.size(), 5u);
  EXPECT_EQ(arena[refs[0].offset] & 0x1f, 24);  // STAP-A with SPS + PPS
  EXPECT_EQ(arena[refs[0].offset] & 0x60, 0x60);
  for (size_t i = 1; i < refs.size(); ++i) {
    EXPECT_EQ(arena[refs[i].offset] & 0x1f, 28);  // FU-A
    EXPECT_LE(refs[i].size, 1400u);
  }
  for (size_t i = 0; i + 1 < refs.size(); ++i) EXPECT_FALSE(refs[i].marker);
  EXPECT_TRUE(refs.back().marker);
  auto back = DepacketizeH264(arena, refs);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], sps);
  EXPECT_EQ(back[1], pps);
  EXPECT_EQ(back[2], idr);
}

TEST(RtpTest, H264SingleNalUnits) {
  auto a = Nal(0x41, 1000), b = Nal(0x41, 1300);
  std::vector<std::span<const uint8_t>> au = {a, b};
  std::vector<uint8_t> arena;
  std::vector<PayloadRef> refs;
  PacketizeH264(au, 1400, arena, refs);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_FALSE(refs[0].marker);
  EXPECT_TRUE(refs[1].marker);
  EXPECT_EQ(DepacketizeH264(arena, refs), (std::vector<std::vector<uint8_t>>{a, b}));
}

TEST(RtpTest, H265FragmentAndAggregate) {
  auto vps = Nal(0x40, 24), sps = Nal(0x42, 40), idr = Nal(0x26, 3000);
  vps[1] = sps[1] = idr[1] = 0x01;  // LayerId 0, TID 1
  std::vector<std::span<const uint8_t>> au = {vps, sps, idr};
  std::vector<uint8_t> arena;
  std::vector<PayloadRef> refs;
  PacketizeH265(au, 1400, arena, refs);
  ASSERT_EQ(refs.size(), 4u);
  const uint8_t* ap = arena.data() + refs[0].offset;
  EXPECT_EQ((ap[0] >> 1) & 0x3f, 48);
  EXPECT_EQ(ap[1], 0x01);
  const uint8_t* fu = arena.data() + refs[1].offset;
  EXPECT_EQ((fu[0] >> 1) & 0x3f, 49);
  EXPECT_EQ(fu[2], 0x80 | 19);                      // start bit + IDR_W_RADL
  EXPECT_EQ(arena[refs[3].offset + 2], 0x40 | 19);  // end bit
  EXPECT_TRUE(refs[3].marker);
  size_t body = 0;
  for (size_t i = 1; i < refs.size(); ++i) body += refs[i].size - 3;
  EXPECT_EQ(body, idr.size() - 2);
}

TEST(RtpTest, AacHbr) {
  std::vector<uint8_t> au(300, 0x21);
  std::vector<uint8_t> arena;
  std::vector<PayloadRef> refs;
  PacketizeAac(au, 1400, arena, refs);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].size, 304u);
  EXPECT_EQ(arena[0], 0);
  EXPECT_EQ(arena[1], 16);
  EXPECT_EQ((arena[2] << 8 | arena[3]) >> 3, 300);
  EXPECT_TRUE(refs[0].marker);
}

TEST(RtcpTest, SenderReportRoundTrip) {
  SenderInfo info{0xdeadbeef, 0x0123456789abcdefULL, 90000, 10, 12345};
  auto pkt = BuildSenderReport(info, "cam");
  EXPECT_EQ(pkt.size() % 4, 0u);
  auto parsed = ParseSenderReport(pkt);
  ASSERT_TRUE(parsed);
  ASSERT_TRUE(parsed->has_value());
  EXPECT_EQ((*parsed)->ssrc, 0xdeadbeefu);
  EXPECT_EQ((*parsed)->ntp_timestamp, 0x0123456789abcdefULL);
  EXPECT_EQ((*parsed)->rtp_timestamp, 90000u);
  auto rr = BuildReceiverReport(1, 2, "nightjar");
  auto none = ParseSenderReport(rr);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  pkt[3] = 200;  // length beyond the buffer
  EXPECT_FALSE(ParseSenderReport(pkt));
}

}  // namespace
}  // namespace nightjar::rtsp
