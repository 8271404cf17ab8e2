// The camera quirks listed in depacketizer.h, one test each, plus loss, limits and malformed
// payloads.
#include <gtest/gtest.h>

#include "codec/aac.h"
#include "codec/codec_test_data.h"
#include "codec/h264.h"
#include "rtsp/depacketizer.h"
#include "rtsp/depacketizer_test_util.h"

namespace nightjar::rtsp {
namespace {

using namespace testing;  // NOLINT(build/namespaces): test helpers
namespace td = codec::testdata;

const Bytes kSps = Span(td::kX264Sps1080p), kPps = Span(td::kX264Pps1080p);
const Bytes kSps480 = Span(td::kX264Sps704x480), kPps480 = Span(td::kX264Pps704x480);
const Bytes kIdr = Nal({0x65}, 3000, 1), kP = Nal({0x41}, 500, 2), kSei = Nal({0x06}, 30, 3);

std::unique_ptr<Depacketizer> H264WithSdp() {
  return Make(Media("H264", 90000, {{"sprop-parameter-sets", Sprop({kSps, kPps})}}));
}

std::vector<TestPacket> Au(const std::vector<Bytes>& nals, int64_t ts, size_t max = 1400) {
  return Packetize(Format::kH264, nals, max, ts);
}

TEST(DepacketizerQuirksTest, AnnexBStartCodesInSingleNalPayload) {
  auto d = Make(Media("H264", 90000));
  // SPS, PPS and IDR glued with start codes into one "single NAL unit" packet.
  auto aus = Feed(*d, {{0, true, AnnexB({kSps, kPps, kIdr})}});
  ASSERT_TRUE(aus) << aus.error().ToString();
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_EQ((*aus)[0].data, Avcc({kSps, kPps, kIdr}));
  EXPECT_TRUE((*aus)[0].key);
  ASSERT_TRUE((*aus)[0].new_config);
  // The same without a leading start code, with 3-byte codes, and trailing zeros.
  Bytes glued = kSps;
  glued.insert(glued.end(), {0, 0, 1});
  glued.insert(glued.end(), kPps.begin(), kPps.end());
  glued.insert(glued.end(), {0, 0, 0, 1});
  glued.insert(glued.end(), kP.begin(), kP.end());
  glued.insert(glued.end(), {0, 0});
  aus = Feed(*d, {{3000, true, glued}});
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_EQ((*aus)[0].data, Avcc({kSps, kPps, kP}));
}

TEST(DepacketizerQuirksTest, AnnexBStartCodesInSpropParameterSets) {
  const std::string sprop = Base64Encode(AnnexB({kSps, kPps}));
  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", sprop}}));
  ASSERT_TRUE(d->config());
  EXPECT_EQ(d->config()->config, *codec::BuildAvcC({kSps}, {kPps}));
  // Key frames without in-band parameter sets are emitted at once.
  auto aus = Feed(*d, Au({kIdr}, 0));
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_EQ((*aus)[0].data, Avcc({kIdr}));
  EXPECT_EQ((*aus)[0].new_config, d->config());
}

TEST(DepacketizerQuirksTest, MarkerOnSeiDoesNotEndTheAccessUnit) {
  auto d = H264WithSdp();
  // The camera marks the SEI packet; the slice follows with the same timestamp.
  auto aus = Feed(*d, {{0, true, kSei}, {0, true, kIdr}, {3000, true, kSei}, {3000, true, kP}});
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_EQ((*aus)[0].data, Avcc({kSei, kIdr}));
  EXPECT_EQ((*aus)[1].data, Avcc({kSei, kP}));
  EXPECT_EQ((*aus)[1].timestamp, 3000);
}

TEST(DepacketizerQuirksTest, ParameterSetsWithTheirOwnTimestamp) {
  auto d = Make(Media("H264", 90000));
  // SPS/PPS sent (and marked) with the previous frame's timestamp: they belong to the next frame.
  auto aus = Feed(*d, {{0, true, kSps}, {0, true, kPps}, {3000, true, kIdr}});
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_EQ((*aus)[0].timestamp, 3000);
  EXPECT_EQ((*aus)[0].data, Avcc({kSps, kPps, kIdr}));
  EXPECT_TRUE((*aus)[0].new_config);
}

TEST(DepacketizerQuirksTest, MissingMarkerBits) {
  auto d = H264WithSdp();
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kIdr}, 0, 1000));
  Append(pkts, Au({kP, kP}, 3000, 300));
  Append(pkts, Au({kP}, 6000));
  for (auto& p : pkts) p.marker = false;
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);  // the last one waits for a new timestamp
  EXPECT_EQ((*aus)[0].data, Avcc({kIdr}));
  EXPECT_EQ((*aus)[1].data, Avcc({kP, kP}));
  std::vector<AccessUnit> out;
  ASSERT_TRUE(d->Push({9000, true, false, kP}, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].timestamp, 6000);
  EXPECT_EQ(out[0].data, Avcc({kP}));
  EXPECT_EQ(out[1].timestamp, 9000);
}

TEST(DepacketizerQuirksTest, ParameterSetsOnlyInBand) {
  auto d = Make(Media("H264", 90000, {{"packetization-mode", "1"}}));
  EXPECT_FALSE(d->config());
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kP}, 0));       // before any key frame: dropped
  Append(pkts, Au({kIdr}, 3000));  // key frame, parameter sets unknown: dropped
  Append(pkts, Au({kP}, 6000));    // still waiting: dropped
  Append(pkts, Au({kSps, kPps, kIdr}, 9000));
  Append(pkts, Au({kP}, 12000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_EQ((*aus)[0].timestamp, 9000);
  EXPECT_TRUE((*aus)[0].key);
  ASSERT_TRUE((*aus)[0].new_config);
  EXPECT_EQ((*aus)[0].new_config->width, 1920u);
  EXPECT_EQ((*aus)[1].timestamp, 12000);
  EXPECT_EQ(d->dropped(), 3u);
  ASSERT_TRUE(d->config());
}

TEST(DepacketizerQuirksTest, InBandParameterSetsReplaceStaleSdp) {
  // The SDP describes 704x480; the camera actually sends 1080p in-band.
  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", Sprop({kSps480, kPps480})}}));
  ASSERT_TRUE(d->config());
  EXPECT_EQ(d->config()->width, 704u);
  auto aus = Feed(*d, Au({kSps, kPps, kIdr}, 0));
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  ASSERT_TRUE((*aus)[0].new_config);
  EXPECT_EQ((*aus)[0].new_config->width, 1920u);
  EXPECT_EQ((*aus)[0].new_config->config, *codec::BuildAvcC({kSps}, {kPps}));
  EXPECT_EQ(d->config()->width, 1920u);
}

TEST(DepacketizerQuirksTest, NewConfigOnlyWhenTheConfigurationChanges) {
  auto d = H264WithSdp();
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kSps, kPps, kIdr}, 0));  // first key frame: new_config
  Append(pkts, Au({kP}, 3000));
  Append(pkts, Au({kSps, kPps, kIdr}, 6000));      // same parameter sets: none
  Append(pkts, Au({kSps480, kPps480, kP}, 9000));  // changed, but not a key frame: none yet
  Append(pkts, Au({kIdr}, 12000));                 // first key frame using them: new_config
  Append(pkts, Au({kIdr}, 15000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 6u);
  std::vector<bool> flagged;
  for (const auto& au : *aus) flagged.push_back(au.new_config.has_value());
  EXPECT_EQ(flagged, (std::vector<bool>{true, false, false, false, true, false}));
  EXPECT_EQ((*aus)[4].new_config->width, 704u);
  EXPECT_EQ((*aus)[3].data, Avcc({kSps480, kPps480, kP}));  // kept in the data as sent
}

TEST(DepacketizerQuirksTest, LossDropsTheDamagedAccessUnitUntilTheNextKeyFrame) {
  auto d = H264WithSdp();
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kIdr}, 0, 500));
  auto damaged = Au({kP, kP, kP}, 3000, 400);
  damaged.erase(damaged.begin() + 2);  // lost in the middle
  damaged[2].loss_before = true;
  Append(pkts, damaged);
  Append(pkts, Au({kP}, 6000));    // intact, but refers to the damaged frame: dropped
  Append(pkts, Au({kIdr}, 9000));  // resumes here
  Append(pkts, Au({kP}, 12000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 3u);
  EXPECT_EQ((*aus)[0].timestamp, 0);
  EXPECT_EQ((*aus)[1].timestamp, 9000);
  EXPECT_EQ((*aus)[2].timestamp, 12000);
  EXPECT_EQ(d->dropped(), 2u);
}

TEST(DepacketizerQuirksTest, LossBetweenAccessUnitsDamagesTheNextOne) {
  auto d = H264WithSdp();
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kIdr}, 0));
  auto key = Au({kIdr, kIdr}, 3000, 400);  // its first packets are lost
  key.erase(key.begin(), key.begin() + 3);
  key[0].loss_before = true;
  Append(pkts, key);
  Append(pkts, Au({kIdr}, 6000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_EQ((*aus)[1].timestamp, 6000);
  EXPECT_EQ(d->dropped(), 1u);
}

TEST(DepacketizerQuirksTest, LostMarkerPacketDropsOnlyThatAccessUnit) {
  auto d = H264WithSdp();
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kIdr}, 0));
  auto p = Au({kP}, 3000, 200);
  p.pop_back();  // the marker packet is lost
  Append(pkts, p);
  auto key = Au({kIdr}, 6000);
  key[0].loss_before = true;
  Append(pkts, key);
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);  // the key frame right after the gap is intact
  EXPECT_EQ((*aus)[1].timestamp, 6000);
  EXPECT_EQ((*aus)[1].data, Avcc({kIdr}));
  EXPECT_EQ(d->dropped(), 1u);
}

TEST(DepacketizerQuirksTest, FragmentWithoutItsStart) {
  auto d = H264WithSdp();
  std::vector<TestPacket> pkts;
  auto idr = Au({kIdr}, 0, 500);
  idr.erase(idr.begin());  // FU start lost, and the receiver did not notice (no loss flag)
  Append(pkts, idr);
  Append(pkts, Au({kP}, 3000));
  Append(pkts, Au({kIdr}, 6000, 500));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_EQ((*aus)[0].timestamp, 6000);
  EXPECT_EQ((*aus)[0].data, Avcc({kIdr}));
  EXPECT_EQ(d->dropped(), 2u);
}

TEST(DepacketizerQuirksTest, FragmentWithoutItsEnd) {
  auto d = H264WithSdp();
  auto idr = Au({kIdr}, 0, 500);
  idr.pop_back();  // FU end lost
  std::vector<TestPacket> pkts = idr;
  Append(pkts, Au({kIdr}, 3000, 500));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_EQ((*aus)[0].timestamp, 3000);
  EXPECT_EQ((*aus)[0].data, Avcc({kIdr}));
}

TEST(DepacketizerQuirksTest, H265IrapAndFragmentLoss) {
  const Bytes vps = Span(td::kX265Vps1080p), sps = Span(td::kX265Sps1080p),
              pps = Span(td::kX265Pps1080p);
  auto d = Make(Media("H265", 90000));
  const Bytes cra = Nal({0x2a, 0x01}, 2000, 1), trail = Nal({0x02, 0x01}, 900, 2);
  std::vector<TestPacket> pkts;
  Append(pkts, Packetize(Format::kH265, {trail}, 1400, 0));  // no key frame yet: dropped
  Append(pkts, Packetize(Format::kH265, {vps, sps, pps, cra}, 500, 3000));
  auto broken = Packetize(Format::kH265, {trail}, 300, 6000);
  broken.erase(broken.begin() + 1);
  broken[1].loss_before = true;
  Append(pkts, broken);
  Append(pkts, Packetize(Format::kH265, {trail}, 1400, 9000));  // dropped: waiting for a key
  Append(pkts, Packetize(Format::kH265, {cra}, 1400, 12000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus) << aus.error().ToString();
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_TRUE((*aus)[0].key);
  EXPECT_EQ((*aus)[0].data, Avcc({vps, sps, pps, cra}));
  ASSERT_TRUE((*aus)[0].new_config);
  EXPECT_EQ((*aus)[1].timestamp, 12000);
  EXPECT_FALSE((*aus)[1].new_config);
  EXPECT_EQ(d->dropped(), 3u);
}

TEST(DepacketizerQuirksTest, BrokenSpropIsIgnored) {
  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", "!!!,Z2QA"}}));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->config());
  auto aus = Feed(*d, Au({kSps, kPps, kIdr}, 0));
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 1u);
  EXPECT_TRUE((*aus)[0].new_config);
}

TEST(DepacketizerQuirksTest, UnparseableInBandSpsIsMalformed) {
  auto d = Make(Media("H264", 90000));
  auto r = Feed(*d, Au({Bytes{0x67, 0x64}, kPps, kIdr}, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
}

TEST(DepacketizerQuirksTest, AccessUnitLimitedTo16MiB) {
  auto d = H264WithSdp();
  std::vector<AccessUnit> out;
  Bytes fu(60000, 0x55);
  fu[0] = 0x7c;  // FU-A, NRI 3
  fu[1] = 0x85;  // start, IDR
  ASSERT_TRUE(d->Push({0, false, false, fu}, out));
  fu[1] = 0x05;
  Result<void> r;
  int pushed = 0;
  while ((r = d->Push({0, false, false, fu}, out)) && pushed < 400) ++pushed;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  EXPECT_GT((pushed + 2) * fu.size(), size_t{16} << 20);  // refused once past 16 MiB ...
  EXPECT_LT(pushed * fu.size(), size_t{16} << 20);        // ... and not before
  EXPECT_TRUE(out.empty());
}

TEST(DepacketizerQuirksTest, NalUnitCountLimited) {
  auto d = H264WithSdp();
  std::vector<AccessUnit> out;
  Result<void> r;
  int pushed = 0;
  while ((r = d->Push({0, false, false, kSei}, out)) && pushed < 5000) ++pushed;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(pushed, 1024);
}

TEST(DepacketizerQuirksTest, MalformedAggregationPackets) {
  for (const Bytes& stap : {Bytes{24}, Bytes{24, 0}, Bytes{24, 0, 5, 0x67, 1}, Bytes{24, 0, 0}}) {
    auto d = H264WithSdp();
    std::vector<AccessUnit> out;
    auto r = d->Push({0, true, false, stap}, out);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  }
  auto d = H264WithSdp();
  std::vector<AccessUnit> out;
  EXPECT_FALSE(d->Push({0, true, false, Bytes{0x7c}}, out));           // FU-A without FU header
  EXPECT_FALSE(d->Push({0, true, false, Bytes{0x7a, 0x85, 1}}, out));  // FU-B: interleaved
  EXPECT_TRUE(d->Push({0, true, false, Bytes{0x1f, 1, 2}}, out));      // type 31: ignored
  EXPECT_TRUE(d->Push({0, true, false, Bytes{}}, out));                // empty: ignored
}

SdpMediaDescription AacMedia(const Bytes& asc, std::string mode = "AAC-hbr") {
  return Media("MPEG4-GENERIC", 48000,
               {{"mode", mode},
                {"sizelength", mode == "AAC-hbr" ? "13" : "6"},
                {"indexlength", mode == "AAC-hbr" ? "3" : "2"},
                {"indexdeltalength", mode == "AAC-hbr" ? "3" : "2"},
                {"config", HexEncode(asc)}});
}

TEST(DepacketizerQuirksTest, AacSeveralAccessUnitsPerPacket) {
  auto d = Make(AacMedia(Span(td::kFfmpegAsc48kStereo)));
  const Bytes a = Nal({0x21}, 100, 1), b = Nal({0x21}, 7, 2), c = Nal({0x21}, 300, 3);
  Bytes p = {0, 48};  // three 16-bit AU-headers
  for (size_t n : {a.size(), b.size(), c.size()}) {
    p.push_back(static_cast<uint8_t>(n >> 5));
    p.push_back(static_cast<uint8_t>((n & 0x1f) << 3));  // index / index-delta 0
  }
  for (const Bytes* x : {&a, &b, &c}) p.insert(p.end(), x->begin(), x->end());
  auto aus = Feed(*d, {{5000, true, p}});
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 3u);
  EXPECT_EQ((*aus)[0].data, a);
  EXPECT_EQ((*aus)[1].data, b);
  EXPECT_EQ((*aus)[2].data, c);
  EXPECT_EQ((*aus)[0].timestamp, 5000);
  EXPECT_EQ((*aus)[1].timestamp, 5000 + 1024);
  EXPECT_EQ((*aus)[2].timestamp, 5000 + 2048);
  // An AU-size past the end of the packet (with several headers) is malformed.
  p.pop_back();
  EXPECT_EQ(Feed(*d, {{9000, true, p}}).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(Feed(*d, {{9000, true, Bytes{0, 16, 0}}}).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(Feed(*d, {{9000, true, Bytes{0}}}).error().code(), ErrorCode::kMalformed);
}

TEST(DepacketizerQuirksTest, AacFrameLengthFlagMeans960Samples) {
  const Bytes asc = {0x11, 0x94};  // AAC LC, 48 kHz, stereo, frameLengthFlag 1
  ASSERT_TRUE(codec::ParseAudioSpecificConfig(asc)->frame_length_flag);
  auto d = Make(AacMedia(asc));
  Bytes p = {0, 32, 0, 1 << 3, 0, 1 << 3, 0xaa, 0xbb};
  auto aus = Feed(*d, {{0, true, p}});
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_EQ((*aus)[1].timestamp, 960);
  EXPECT_EQ((*aus)[1].data, Bytes{0xbb});
}

TEST(DepacketizerQuirksTest, AacLbr) {
  auto d = Make(AacMedia(Span(td::kFfmpegAsc8kMono), "AAC-lbr"));
  // Two 8-bit AU-headers: 6-bit size, 2-bit index.
  Bytes p = {0, 16, 3 << 2, 2 << 2, 1, 2, 3, 4, 5};
  auto aus = Feed(*d, {{0, true, p}});
  ASSERT_TRUE(aus) << aus.error().ToString();
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_EQ((*aus)[0].data, (Bytes{1, 2, 3}));
  EXPECT_EQ((*aus)[1].data, (Bytes{4, 5}));
}

TEST(DepacketizerQuirksTest, AacFragmentLossDropsOnlyThatAccessUnit) {
  auto d = Make(AacMedia(Span(td::kFfmpegAsc48kStereo)));
  const Bytes big = Nal({0x21}, 1000, 1), small = Nal({0x21}, 50, 2);
  std::vector<TestPacket> pkts;
  auto frag = PacketizeAacAu(big, 300, 0);
  frag.erase(frag.begin() + 1);
  frag[1].loss_before = true;
  Append(pkts, frag);
  Append(pkts, PacketizeAacAu(small, 300, 1024));
  auto tail = PacketizeAacAu(big, 300, 2048);  // its first fragment lost
  tail.erase(tail.begin());
  tail[0].loss_before = true;
  Append(pkts, tail);
  Append(pkts, PacketizeAacAu(big, 300, 3072));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_EQ((*aus)[0].data, small);
  EXPECT_EQ((*aus)[0].timestamp, 1024);
  EXPECT_EQ((*aus)[1].data, big);
  EXPECT_EQ((*aus)[1].timestamp, 3072);
  EXPECT_EQ(d->dropped(), 2u);
}

}  // namespace
}  // namespace nightjar::rtsp
