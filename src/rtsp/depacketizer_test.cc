// Round trips through the packetizers of rtp.h: every payload format, several packet sizes, and
// the real 1080p clip. Camera quirks are in depacketizer_quirks_test.cc.
#include "rtsp/depacketizer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "codec/aac.h"
#include "codec/codec_test_data.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "mp4/demux.h"
#include "rtsp/depacketizer_test_util.h"

namespace nightjar::rtsp {
namespace {

using namespace testing;  // NOLINT(build/namespaces): test helpers
namespace td = codec::testdata;

const Bytes kSps = Span(td::kX264Sps1080p), kPps = Span(td::kX264Pps1080p);
const Bytes kVps265 = Span(td::kX265Vps1080p), kSps265 = Span(td::kX265Sps1080p),
            kPps265 = Span(td::kX265Pps1080p);

// A GOP: key frame with in-band parameter sets and a big slice, then P frames of various sizes,
// one with an SEI in front and one with two slices.
std::vector<std::vector<Bytes>> H264Gop() {
  return {
      {kSps, kPps, Nal({0x65}, 9000, 1)},
      {Nal({0x41}, 300, 2)},
      {Nal({0x06}, 20, 3), Nal({0x41}, 40, 4)},
      {Nal({0x41}, 3000, 5), Nal({0x41}, 1500, 6)},
      {Nal({0x41}, 2, 7)},
  };
}

std::vector<std::vector<Bytes>> H265Gop() {
  return {
      {kVps265, kSps265, kPps265, Nal({0x26, 0x01}, 9000, 1)},  // IDR_W_RADL
      {Nal({0x02, 0x01}, 300, 2)},                              // TRAIL_R
      {Nal({0x4e, 0x01}, 20, 3), Nal({0x02, 0x01}, 40, 4)},     // prefix SEI + TRAIL_R
      {Nal({0x02, 0x01}, 3000, 5), Nal({0x02, 0x01}, 1500, 6)},
      {Nal({0x2a, 0x01}, 5000, 8)},  // CRA: a key frame reusing the same parameter sets
  };
}

void CheckRoundTrip(Format f, const SdpMediaDescription& media,
                    const std::vector<std::vector<Bytes>>& gop, size_t max_payload) {
  SCOPED_TRACE("max_payload " + std::to_string(max_payload));
  auto d = Make(media);
  ASSERT_TRUE(d);
  std::vector<TestPacket> pkts;
  for (size_t i = 0; i < gop.size(); ++i) {
    Append(pkts, Packetize(f, gop[i], max_payload, 1000 + 3000 * static_cast<int64_t>(i)));
  }
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus) << aus.error().ToString();
  ASSERT_EQ(aus->size(), gop.size());
  for (size_t i = 0; i < gop.size(); ++i) {
    const AccessUnit& au = (*aus)[i];
    EXPECT_EQ(au.timestamp, 1000 + 3000 * static_cast<int64_t>(i));
    EXPECT_EQ(au.data, Avcc(gop[i])) << "access unit " << i;
    EXPECT_EQ(au.key, i == 0 || (f == Format::kH265 && i == 4)) << i;
    EXPECT_EQ(au.new_config.has_value(), i == 0) << i;
  }
  EXPECT_EQ(d->dropped(), 0u);
  ASSERT_TRUE(d->config());
  EXPECT_EQ((*aus)[0].new_config, d->config());
  const TrackConfig c = *d->config();
  EXPECT_EQ(c.kind, TrackConfig::Kind::kVideo);
  EXPECT_EQ(c.width, 1920u);
  EXPECT_EQ(c.height, 1080u);
  EXPECT_EQ(c.clock_rate, 90000u);
  if (f == Format::kH264) {
    EXPECT_EQ(c.codec, "avc1.640028");
    EXPECT_EQ(c.config, *codec::BuildAvcC({kSps}, {kPps}));
  } else {
    EXPECT_EQ(c.codec.substr(0, 5), "hvc1.");
    EXPECT_EQ(c.config, *codec::BuildHvcC({kVps265}, {kSps265}, {kPps265}));
  }
}

TEST(DepacketizerTest, H264RoundTrip) {
  for (size_t max_payload : {16, 17, 100, 1400, 65000}) {
    CheckRoundTrip(Format::kH264, Media("H264", 90000, {{"packetization-mode", "1"}}), H264Gop(),
                   max_payload);
    CheckRoundTrip(Format::kH264,
                   Media("H264", 90000, {{"sprop-parameter-sets", Sprop({kSps, kPps})}}), H264Gop(),
                   max_payload);
  }
}

TEST(DepacketizerTest, H265RoundTrip) {
  for (size_t max_payload : {16, 18, 100, 1400, 65000}) {
    CheckRoundTrip(Format::kH265, Media("H265", 90000), H265Gop(), max_payload);
    CheckRoundTrip(Format::kH265,
                   Media("H265", 90000,
                         {{"sprop-vps", Sprop({kVps265})},
                          {"sprop-sps", Sprop({kSps265})},
                          {"sprop-pps", Sprop({kPps265})}}),
                   H265Gop(), max_payload);
  }
}

SdpMediaDescription AacMedia(const Bytes& asc, uint32_t clock) {
  return Media("MPEG4-GENERIC", clock,
               {{"streamtype", "5"},
                {"mode", "AAC-hbr"},
                {"sizelength", "13"},
                {"indexlength", "3"},
                {"indexdeltalength", "3"},
                {"config", HexEncode(asc)}});
}

TEST(DepacketizerTest, AacRoundTrip) {
  const Bytes asc = Span(td::kFfmpegAsc48kStereo);
  for (size_t max_payload : {16, 100, 1400}) {
    SCOPED_TRACE(max_payload);
    auto d = Make(AacMedia(asc, 48000));
    ASSERT_TRUE(d);
    std::vector<Bytes> frames = {Nal({0x21}, 10), Nal({0x21}, 371, 1), Nal({0x21}, 1, 2),
                                 Nal({0x21}, 2000, 3), Nal({0x21}, 8191, 4)};
    std::vector<TestPacket> pkts;
    for (size_t i = 0; i < frames.size(); ++i) {
      Append(pkts, PacketizeAacAu(frames[i], max_payload, 1024 * static_cast<int64_t>(i)));
    }
    auto aus = Feed(*d, pkts);
    ASSERT_TRUE(aus) << aus.error().ToString();
    ASSERT_EQ(aus->size(), frames.size());
    for (size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ((*aus)[i].data, frames[i]) << i;
      EXPECT_EQ((*aus)[i].timestamp, 1024 * static_cast<int64_t>(i));
      EXPECT_TRUE((*aus)[i].key);
      EXPECT_EQ((*aus)[i].new_config.has_value(), i == 0);
    }
    ASSERT_TRUE(d->config());
    EXPECT_EQ(d->config()->codec, "mp4a.40.2");
    EXPECT_EQ(d->config()->config, asc);
    EXPECT_EQ(d->config()->clock_rate, 48000u);
    EXPECT_EQ(d->config()->channels, 2u);
    EXPECT_EQ(d->config()->kind, TrackConfig::Kind::kAudio);
    EXPECT_EQ(d->dropped(), 0u);
  }
}

TEST(DepacketizerTest, G711) {
  for (auto [enc, codec] : {std::pair{"PCMU", "ulaw"}, std::pair{"PCMA", "alaw"}}) {
    auto d = Make(Media(enc, 8000));
    ASSERT_TRUE(d);
    auto aus = Feed(*d, {{0, true, Nal({0xff}, 160)}, {160, false, Nal({0x7f}, 80)}});
    ASSERT_TRUE(aus);
    ASSERT_EQ(aus->size(), 2u);
    EXPECT_EQ((*aus)[0].data, Nal({0xff}, 160));
    EXPECT_EQ((*aus)[1].data, Nal({0x7f}, 80));
    EXPECT_EQ((*aus)[1].timestamp, 160);
    EXPECT_TRUE((*aus)[1].key);
    ASSERT_TRUE((*aus)[0].new_config);
    EXPECT_FALSE((*aus)[1].new_config);
    EXPECT_EQ((*aus)[0].new_config->codec, codec);
    EXPECT_EQ((*aus)[0].new_config->clock_rate, 8000u);
    EXPECT_EQ((*aus)[0].new_config->channels, 1u);
    EXPECT_TRUE((*aus)[0].new_config->config.empty());
  }
  // Static payload type 0 without rtpmap, via the SDP parser.
  auto sdp = ParseSdp("v=0\r\nm=audio 0 RTP/AVP 0\r\n");
  ASSERT_TRUE(sdp);
  auto d = MakeDepacketizer(sdp->media[0]);
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)->config()->codec, "ulaw");
  EXPECT_EQ((*d)->config()->clock_rate, 8000u);
}

TEST(DepacketizerTest, Unsupported) {
  EXPECT_EQ(MakeDepacketizer(Media("VP8", 90000)).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(MakeDepacketizer(Media("MP4A-LATM", 48000)).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(MakeDepacketizer(Media("", 0)).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(MakeDepacketizer(Media("H264", 90000, {{"packetization-mode", "2"}})).error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(MakeDepacketizer(Media("H265", 90000, {{"sprop-max-don-diff", "2"}})).error().code(),
            ErrorCode::kUnsupported);
  auto aac = AacMedia(Span(td::kFfmpegAsc48kStereo), 48000);
  aac.fmtp["mode"] = "CELP-cbr";
  EXPECT_EQ(MakeDepacketizer(aac).error().code(), ErrorCode::kUnsupported);
}

TEST(DepacketizerTest, AacConfigErrors) {
  auto aac = AacMedia(Span(td::kFfmpegAsc48kStereo), 48000);
  aac.fmtp.erase("config");
  EXPECT_EQ(MakeDepacketizer(aac).error().code(), ErrorCode::kMalformed);
  aac.fmtp["config"] = "12x";
  EXPECT_EQ(MakeDepacketizer(aac).error().code(), ErrorCode::kMalformed);
  aac.fmtp["config"] = "1190";
  aac.fmtp["sizelength"] = "abc";
  EXPECT_EQ(MakeDepacketizer(aac).error().code(), ErrorCode::kMalformed);
}

// The real 1080p clip (tools/make_clips.sh): demux, packetize each frame as a camera would (SPS
// and PPS in front of every key frame), depacketize, and compare every frame byte for byte.
TEST(DepacketizerTest, ClipRoundTrip) {
  const char* dir = std::getenv("NIGHTJAR_CLIPS");
  const std::filesystem::path path = std::filesystem::path(dir ? dir : "") / "main.mp4";
  if (dir == nullptr || !std::filesystem::exists(path)) {
    GTEST_SKIP() << "NIGHTJAR_CLIPS/main.mp4 not available";
  }
  Bytes file(std::filesystem::file_size(path));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(file.data()), static_cast<std::streamsize>(file.size()));
  ASSERT_TRUE(in);
  auto demuxed = mp4::DemuxMp4(file);
  ASSERT_TRUE(demuxed) << demuxed.error().ToString();
  const mp4::DemuxedTrack* video = nullptr;
  for (const auto& t : demuxed->tracks) {
    if (t.kind == mp4::DemuxedTrack::Kind::kVideo && video == nullptr) video = &t;
  }
  ASSERT_NE(video, nullptr);
  auto avcc = codec::ParseAvcC(video->codec_config);
  ASSERT_TRUE(avcc);
  const int length_size = avcc->length_size_minus_one + 1;
  const Bytes sps = avcc->sps.at(0), pps = avcc->pps.at(0);

  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", Sprop({sps, pps})}}));
  ASSERT_TRUE(d);
  std::vector<AccessUnit> aus;
  std::vector<Bytes> expected;
  for (const mp4::DemuxedSample& s : video->samples) {
    auto nals = codec::SplitLengthPrefixed(std::span(file).subspan(s.offset, s.size), length_size);
    ASSERT_TRUE(nals);
    std::vector<Bytes> frame;
    if (s.key) frame = {sps, pps};
    for (auto n : *nals) frame.push_back(Span(n));
    expected.push_back(Avcc(frame));
    const int64_t ts = s.dts * 90000 / video->timescale;
    for (const TestPacket& p : Packetize(Format::kH264, frame, 1400, ts)) {
      ASSERT_TRUE(d->Push({p.timestamp, p.marker, false, p.payload}, aus));
    }
  }
  ASSERT_EQ(aus.size(), video->samples.size());
  for (size_t i = 0; i < aus.size(); ++i) {
    const mp4::DemuxedSample& s = video->samples[i];
    ASSERT_EQ(aus[i].data, expected[i]) << "frame " << i;
    EXPECT_EQ(aus[i].key, s.key) << i;
    EXPECT_EQ(aus[i].timestamp, s.dts * 90000 / video->timescale) << i;
    EXPECT_EQ(aus[i].new_config.has_value(), i == 0) << i;
  }
  EXPECT_EQ(d->dropped(), 0u);
  ASSERT_TRUE(d->config());
  EXPECT_EQ(d->config()->width, video->width);
  EXPECT_EQ(d->config()->height, video->height);
  EXPECT_EQ(d->config()->config, *codec::BuildAvcC({sps}, {pps}));
}

}  // namespace
}  // namespace nightjar::rtsp
