// Parameter sets by id and key frames at recovery points (depacketizer.h): several SPS/PPS ids in
// the decoder configuration, new configurations only when a set's content changes, and streams
// with periodic intra refresh (no IDR) starting at recovery point SEIs.
#include <gtest/gtest.h>

#include "codec/codec_test_data.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/param_set_test_util.h"
#include "rtsp/depacketizer.h"
#include "rtsp/depacketizer_test_util.h"

namespace nightjar::rtsp {
namespace {

using namespace testing;  // NOLINT(build/namespaces): test helpers
namespace td = codec::testdata;

const Bytes kSps = Span(td::kX264Sps1080p), kPps0 = Span(td::kX264Pps1080p);
const Bytes kPps1 = td::H264PpsWithId(1, 0);
// x264 intra-refresh=1: recovery_frame_cnt 18, exact_match_flag 1.
const Bytes kRecoverySei = {0x06, 0x06, 0x02, 0x09, 0xc4, 0x80};
const Bytes kIdr0 = td::H264SliceWithPps(0x65, 7, 0), kP0 = td::H264SliceWithPps(0x41, 5, 0);
const Bytes kP1 = td::H264SliceWithPps(0x41, 5, 1);

std::vector<TestPacket> Au(const std::vector<Bytes>& nals, int64_t ts) {
  return Packetize(Format::kH264, nals, 1400, ts);
}

std::vector<bool> NewConfigs(const std::vector<AccessUnit>& aus) {
  std::vector<bool> flagged;
  flagged.reserve(aus.size());
  for (const auto& au : aus) flagged.push_back(au.new_config.has_value());
  return flagged;
}

TEST(DepacketizerParamsTest, EveryPpsIdIsKeptAndRepeatsChangeNothing) {
  // The SDP names both PPS; in-band, the camera repeats only PPS 0 before each IDR, while slices
  // alternate between the two.
  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", Sprop({kSps, kPps0, kPps1})}}));
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kSps, kPps0, kIdr0}, 0));
  Append(pkts, Au({kP1}, 3000));
  Append(pkts, Au({kP0}, 6000));
  Append(pkts, Au({kSps, kPps0, kIdr0}, 9000));
  Append(pkts, Au({kP1}, 12000));
  Append(pkts, Au({kPps1, kSps, kIdr0}, 15000));  // both again, in another order
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus) << aus.error().ToString();
  ASSERT_EQ(aus->size(), 6u);
  EXPECT_EQ(NewConfigs(*aus), (std::vector<bool>{true, false, false, false, false, false}));
  auto avcc = codec::ParseAvcC((*aus)[0].new_config->config);
  ASSERT_TRUE(avcc);
  ASSERT_EQ(avcc->pps.size(), 2u);
  EXPECT_EQ(avcc->pps[0], kPps0);
  EXPECT_EQ(avcc->pps[1], kPps1);
  EXPECT_EQ((*aus)[0].new_config->config, *codec::BuildAvcC({kSps}, {kPps0, kPps1}));
}

TEST(DepacketizerParamsTest, PpsOnlyInBandAreCollectedToo) {
  auto d = Make(Media("H264", 90000));
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kSps, kPps1, kPps0, kIdr0}, 0));
  Append(pkts, Au({kP1}, 3000));
  Append(pkts, Au({kSps, kPps0, kIdr0}, 6000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 3u);
  EXPECT_EQ(NewConfigs(*aus), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(codec::ParseAvcC((*aus)[0].new_config->config)->pps.size(), 2u);
}

TEST(DepacketizerParamsTest, ChangedContentOfOneIdStartsANewConfig) {
  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", Sprop({kSps, kPps0, kPps1})}}));
  const Bytes pps1b = td::H264PpsWithId(1, 0, td::kX264Pps704x480);
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kIdr0}, 0));
  Append(pkts, Au({pps1b, kP1}, 3000));  // not a key frame: no new configuration yet
  Append(pkts, Au({kIdr0}, 6000));
  Append(pkts, Au({pps1b, kIdr0}, 9000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 4u);
  EXPECT_EQ(NewConfigs(*aus), (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ((*aus)[2].new_config->config, *codec::BuildAvcC({kSps}, {kPps0, pps1b}));
}

TEST(DepacketizerParamsTest, KeyFramesPpsNamesThePrimarySps) {
  const Bytes sps1 = td::H264SpsWithId(td::kX264Sps704x480, 1);
  const Bytes pps1 = td::H264PpsWithId(1, 1, td::kX264Pps704x480);
  auto d = Make(Media("H264", 90000));
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kSps, sps1, kPps0, pps1, td::H264SliceWithPps(0x65, 7, 1)}, 0));
  Append(pkts, Au({kIdr0}, 3000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  ASSERT_TRUE((*aus)[0].new_config && (*aus)[1].new_config);
  EXPECT_EQ((*aus)[0].new_config->width, 704u);
  EXPECT_EQ((*aus)[1].new_config->width, 1920u);
  EXPECT_EQ(codec::ParseAvcC((*aus)[1].new_config->config)->sps.size(), 2u);
}

TEST(DepacketizerParamsTest, IntraRefreshStartsAtARecoveryPoint) {
  auto d = Make(Media("H264", 90000, {{"sprop-parameter-sets", Sprop({kSps, kPps0})}}));
  std::vector<TestPacket> pkts;
  Append(pkts, Au({kP0}, 0));  // before the first recovery point: not decodable, dropped
  Append(pkts, Au({kP0}, 3000));
  Append(pkts, Au({kRecoverySei, kP0}, 6000));
  Append(pkts, Au({kP0}, 9000));
  Append(pkts, Au({kSps, kPps0, kRecoverySei, kP0}, 12000));
  Append(pkts, Au({kP0}, 15000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 4u);
  std::vector<bool> keys;
  for (const auto& au : *aus) keys.push_back(au.key);
  EXPECT_EQ(keys, (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ((*aus)[0].timestamp, 6000);
  EXPECT_EQ(NewConfigs(*aus), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ((*aus)[0].data, Avcc({kRecoverySei, kP0}));
  EXPECT_EQ(d->dropped(), 2u);
}

TEST(DepacketizerParamsTest, H265RecoveryPointSei) {
  const Bytes vps = Span(td::kX265Vps1080p), sps = Span(td::kX265Sps1080p);
  const Bytes pps = Span(td::kX265Pps1080p), pps1 = td::H265PpsWithId(1);
  const Bytes sei = {0x4e, 0x01, 0x06, 0x01, 0xd0, 0x80};  // recovery_poc_cnt 0
  const Bytes trail = Nal({0x02, 0x01}, 300, 2);
  auto d = Make(Media("H265", 90000));
  std::vector<TestPacket> pkts;
  Append(pkts, Packetize(Format::kH265, {trail}, 1400, 0));
  Append(pkts, Packetize(Format::kH265, {vps, sps, pps, pps1, sei, trail}, 1400, 3000));
  Append(pkts, Packetize(Format::kH265, {trail}, 1400, 6000));
  auto aus = Feed(*d, pkts);
  ASSERT_TRUE(aus);
  ASSERT_EQ(aus->size(), 2u);
  EXPECT_TRUE((*aus)[0].key);
  EXPECT_FALSE((*aus)[1].key);
  ASSERT_TRUE((*aus)[0].new_config);
  auto hvcc = codec::ParseHvcC((*aus)[0].new_config->config);
  ASSERT_TRUE(hvcc);
  EXPECT_EQ(hvcc->NalUnitsOfType(codec::kH265NalPps).size(), 2u);
}

}  // namespace
}  // namespace nightjar::rtsp
