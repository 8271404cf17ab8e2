#include "rtsp/resync.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nightjar::rtsp {
namespace {

using Bytes = std::vector<uint8_t>;

InterleavedChannels Channels() {
  InterleavedChannels c;
  c.rtp.set(0);
  c.rtcp.set(1);
  return c;
}

// '$', channel, length, then a header of `first_two` and zero filler.
Bytes Frame(uint8_t channel, uint16_t len, Bytes first_two = {0x80, 96}) {
  Bytes f(4 + size_t{len}, 0);
  f[0] = '$';
  f[1] = channel;
  f[2] = static_cast<uint8_t>(len >> 8);
  f[3] = static_cast<uint8_t>(len);
  f[4] = first_two[0];
  f[5] = first_two[1];
  return f;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    for (uint8_t b : p) out.push_back(b);
  }
  return out;
}

TEST(ResyncTest, SkipsJunkToTheNextRtpFrame) {
  const Bytes data = Cat({{0x81, 0xff, 0x13}, Frame(0, 100)});
  const SyncScan s = ScanForSync(data, Channels());
  EXPECT_EQ(s.kind, SyncScan::Kind::kFound);
  EXPECT_EQ(s.skip, 3u);
}

TEST(ResyncTest, FindsRtcpOnItsChannel) {
  const Bytes data = Cat({{0x01, 0x02}, Frame(1, 28, {0x80, 200})});
  const SyncScan s = ScanForSync(data, Channels());
  EXPECT_EQ(s.kind, SyncScan::Kind::kFound);
  EXPECT_EQ(s.skip, 2u);
}

TEST(ResyncTest, RejectsImplausibleCandidates) {
  const Bytes junk = Cat({
      Frame(5, 100),               // a channel nobody set up
      Frame(0, 8),                 // shorter than an RTP header
      Frame(0, 100, {0x40, 96}),   // RTP version 1
      Frame(0, 100, {0x80, 200}),  // payload type 72: RTCP on the RTP channel
      Frame(1, 30, {0x80, 200}),   // RTCP length not whole words
      Frame(1, 28, {0x80, 96}),    // not an RTCP packet type
  });
  const Bytes data = Cat({junk, Frame(0, 40)});
  const SyncScan s = ScanForSync(data, Channels());
  EXPECT_EQ(s.kind, SyncScan::Kind::kFound);
  // The implausible frames' bodies are zeros: the first real sync is the last frame.
  EXPECT_EQ(s.skip, junk.size());
}

TEST(ResyncTest, NeedsMoreBytesForACandidateCutShort) {
  const Bytes data = {0x99, 0x98, '$', 0};
  const SyncScan s = ScanForSync(data, Channels());
  EXPECT_EQ(s.kind, SyncScan::Kind::kNeedMore);
  EXPECT_EQ(s.skip, 2u);  // the junk before the candidate can go
  const Bytes lone = {0x99, '$'};
  EXPECT_EQ(ScanForSync(lone, Channels()).skip, 1u);
}

TEST(ResyncTest, NothingFoundSkipsEverything) {
  const Bytes data(1000, 0x81);
  const SyncScan s = ScanForSync(data, Channels());
  EXPECT_EQ(s.kind, SyncScan::Kind::kNeedMore);
  EXPECT_EQ(s.skip, data.size());
}

TEST(ResyncTest, AnRtspMessageIsASyncPoint) {
  const std::string text = "\x85\x86RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n";
  const Bytes data(text.begin(), text.end());
  const SyncScan s = ScanForSync(data, Channels());
  EXPECT_EQ(s.kind, SyncScan::Kind::kFound);
  EXPECT_EQ(s.skip, 2u);
  // A prefix of one at the end waits for more.
  const std::string cut = "\x85GET_PAR";
  const SyncScan c = ScanForSync(Bytes(cut.begin(), cut.end()), Channels());
  EXPECT_EQ(c.kind, SyncScan::Kind::kNeedMore);
  EXPECT_EQ(c.skip, 1u);
}

TEST(ResyncTest, MayStartRtspMessage) {
  auto may = [](std::string s) { return MayStartRtspMessage(Bytes(s.begin(), s.end())); };
  EXPECT_TRUE(may("RTSP/1.0 200 OK\r\n"));
  EXPECT_TRUE(may("RTS"));
  EXPECT_TRUE(may("OPTIONS rtsp://x RTSP/1.0\r\n"));
  EXPECT_TRUE(may("SET_PARAMETER "));
  EXPECT_FALSE(may("RTX"));
  EXPECT_FALSE(may("\x80\x60"));
  EXPECT_FALSE(may("PLAY rtsp://x RTSP/1.0\r\n"));  // a server never sends PLAY
}

}  // namespace
}  // namespace nightjar::rtsp
