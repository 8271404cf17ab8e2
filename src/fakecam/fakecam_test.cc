// The simulated cameras' send-time stamps: every video access unit of a `stamp=1` session
// carries one, before its picture, and a recorder's depacketizer keeps it in the access unit.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "base/fs.h"
#include "codec/nal.h"
#include "fakecam/cameras.h"
#include "fakecam/clip.h"
#include "fakecam/stamp.h"
#include "rtsp/depacketizer.h"

namespace nightjar::fakecam {
namespace {

std::string ClipsDir() {
  const char* d = std::getenv("NIGHTJAR_CLIPS");
  return d ? d : "";
}

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(StampTest, RoundTripsAndIgnoresOtherUnits) {
  for (auto c : {codec::VideoCodec::kH264, codec::VideoCodec::kH265}) {
    // 0x0000'0100'0000'0003: zero runs that need emulation prevention.
    for (int64_t t : {int64_t{1'765'000'000'123'456}, int64_t{0x0000'0100'0000'0003}}) {
      EXPECT_EQ(ReadStamp(c, StampSei(c, t)), t);
    }
  }
  // x264's own user_data_unregistered (another UUID), a slice, a stamp of the other codec.
  const std::vector<uint8_t> other = codec::BuildUserDataUnregisteredSei(
      codec::VideoCodec::kH264, codec::SeiUuid{1, 2, 3}, std::vector<uint8_t>(8, 0));
  EXPECT_EQ(ReadStamp(codec::VideoCodec::kH264, other), std::nullopt);
  EXPECT_EQ(ReadStamp(codec::VideoCodec::kH264, std::vector<uint8_t>{0x65, 0x88}), std::nullopt);
  EXPECT_EQ(ReadStamp(codec::VideoCodec::kH265, StampSei(codec::VideoCodec::kH264, 5)),
            std::nullopt);
}

struct Polled {
  std::vector<rtsp::OutgoingPacket> packets;
  std::vector<std::vector<uint8_t>> payloads;  // copies: spans live until the next Poll
  size_t count(size_t track) const {
    return static_cast<size_t>(std::count_if(packets.begin(), packets.end(),
                                             [&](const auto& p) { return p.track == track; }));
  }
};

Polled PollOnce(const ClipSource& source, rtsp::SteadyTime start, const rtsp::QueryParams& q) {
  auto player = source.Play(start, {0, 1}, q);
  Polled r;
  player->Poll(start + std::chrono::milliseconds(1500), r.packets);
  for (const auto& p : r.packets) r.payloads.emplace_back(p.payload.begin(), p.payload.end());
  return r;
}

TEST(ClipPlayerTest, StampsEachVideoFrameBeforeItsPicture) {
  if (ClipsDir().empty()) GTEST_SKIP() << "NIGHTJAR_CLIPS unset";
  PosixFs fs;
  auto clip = LoadClip(fs, ClipsDir() + "/audio.mp4");  // H.264 + AAC
  ASSERT_TRUE(clip) << clip.error().ToString();
  ClipSource source(*clip);
  const auto start = std::chrono::steady_clock::now();
  const Polled plain = PollOnce(source, start, {});
  const int64_t before = UnixMicros();
  const Polled stamped = PollOnce(source, start, {{"stamp", "1"}});
  const int64_t after = UnixMicros();
  // Through the depacketizer a recorder uses: one access unit per frame, its stamp first.
  rtsp::SdpMediaDescription media;
  media.media = "video";
  media.encoding = "H264";
  media.clock_rate = 90000;
  media.fmtp["packetization-mode"] = "1";
  auto depacketizer = rtsp::MakeDepacketizer(media);
  ASSERT_TRUE(depacketizer) << depacketizer.error().ToString();
  std::vector<rtsp::AccessUnit> aus;
  for (size_t i = 0; i < stamped.packets.size(); ++i) {
    const auto& p = stamped.packets[i];
    if (p.track != 0) continue;
    ASSERT_TRUE((*depacketizer)->Push({p.timestamp, p.marker, false, stamped.payloads[i]}, aus));
  }
  ASSERT_GE(aus.size(), 40u);  // 1.5 s at 30 fps
  for (const auto& au : aus) {
    auto nals = codec::SplitLengthPrefixed(au.data, 4);
    ASSERT_TRUE(nals && !nals->empty());
    const auto stamp = ReadStamp(codec::VideoCodec::kH264, (*nals)[0]);
    ASSERT_TRUE(stamp);
    EXPECT_GE(*stamp, before);
    EXPECT_LE(*stamp, after);
    for (size_t k = 1; k < nals->size(); ++k) {
      EXPECT_EQ(ReadStamp(codec::VideoCodec::kH264, (*nals)[k]), std::nullopt);
    }
  }
  // One more packet per video frame; audio as it was; without the option, no stamp at all.
  EXPECT_EQ(stamped.count(0), plain.count(0) + aus.size());
  EXPECT_EQ(stamped.count(1), plain.count(1));
  for (size_t i = 0; i < plain.packets.size(); ++i) {
    if (plain.packets[i].track != 0) continue;
    const auto& pl = plain.payloads[i];
    EXPECT_EQ(ReadStamp(codec::VideoCodec::kH264, pl), std::nullopt);
  }
}

}  // namespace
}  // namespace nightjar::fakecam
