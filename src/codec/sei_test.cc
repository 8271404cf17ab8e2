#include "codec/sei.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "codec/nal.h"

namespace nightjar::codec {
namespace {

using Bytes = std::vector<uint8_t>;

// libx264 intra-refresh=1 at 320x240: the SEI before each refresh start (ffmpeg trace_headers:
// recovery_frame_cnt 18, exact_match_flag 1, broken_link_flag 0, changing_slice_group_idc 0).
const Bytes kX264RecoverySei = {0x06, 0x06, 0x02, 0x09, 0xc4, 0x80};

TEST(SeiTest, FindsX264RecoveryPoint) {
  auto rp = FindRecoveryPoint(VideoCodec::kH264, kX264RecoverySei);
  ASSERT_TRUE(rp) << rp.error().ToString();
  ASSERT_TRUE(rp->has_value());
  EXPECT_EQ((*rp)->count, 18);
  EXPECT_TRUE((*rp)->exact_match);
  EXPECT_FALSE((*rp)->broken_link);
  EXPECT_TRUE(IsKeyFrameNal(VideoCodec::kH264, kX264RecoverySei));
}

TEST(SeiTest, SkipsEarlierMessagesAndEmulationPrevention) {
  // user_data_unregistered (type 5) of 20 bytes holding 00 00 03 01 (escaped), then the
  // recovery point, then trailing bits.
  Bytes nal = {0x06, 0x05, 20};
  for (int i = 0; i < 16; ++i) nal.push_back(0xaa);  // uuid
  nal.insert(nal.end(), {0x00, 0x00, 0x03, 0x01, 0x02, 0x06, 0x02, 0x09, 0xc4, 0x80});
  auto rp = FindRecoveryPoint(VideoCodec::kH264, nal);
  ASSERT_TRUE(rp) << rp.error().ToString();
  ASSERT_TRUE(rp->has_value());
  EXPECT_EQ((*rp)->count, 18);
}

// SEI units of up to 256 bytes are unescaped on the stack, larger ones on the heap: a recovery
// point at the very end is found either way, across escaped bytes.
TEST(SeiTest, RecoveryPointAtTheEndOfUnitsAroundTheStackBuffersSize) {
  for (size_t n : {242u, 247u, 248u, 249u, 250u, 400u}) {
    // type 5 (user data unregistered) of n bytes, then the recovery point, then trailing bits.
    Bytes nal = {0x06, 0x05};
    if (n >= 255) nal.push_back(0xff);
    nal.push_back(static_cast<uint8_t>(n % 255));
    Bytes payload(n, 0x5a);
    payload[20] = payload[21] = 0x00;  // 00 00 01 inside: escaped as 00 00 03 01
    payload[22] = 0x01;
    EscapeRbsp(payload, &nal);
    nal.insert(nal.end(), {0x06, 0x02, 0x09, 0xc4, 0x80});
    // The unit after its NAL header: 250, 255, 256, 257, 258 and 401 bytes.
    SCOPED_TRACE(nal.size() - 1);
    auto rp = FindRecoveryPoint(VideoCodec::kH264, nal);
    ASSERT_TRUE(rp) << rp.error().ToString();
    ASSERT_TRUE(rp->has_value());
    EXPECT_EQ((*rp)->count, 18);
  }
}

TEST(SeiTest, OtherMessagesAreNoRecoveryPoint) {
  // pic_timing-like type 1, and type 261 (0xff + 6: extended, not 6).
  const Bytes other = {0x06, 0x01, 0x01, 0x40, 0x80};
  const Bytes extended = {0x06, 0xff, 0x06, 0x01, 0x40, 0x80};
  for (const Bytes& nal : {other, extended}) {
    auto rp = FindRecoveryPoint(VideoCodec::kH264, nal);
    ASSERT_TRUE(rp);
    EXPECT_FALSE(rp->has_value());
    EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH264, nal));
  }
  // Not an SEI at all.
  auto slice = FindRecoveryPoint(VideoCodec::kH264, Bytes{0x41, 0x9b});
  ASSERT_TRUE(slice);
  EXPECT_FALSE(slice->has_value());
}

TEST(SeiTest, MalformedIsAnErrorAndNoKeyFrame) {
  const Bytes truncated_size = {0x06, 0x06, 0x09, 0xc4};  // payload of 9 bytes, 1 present
  EXPECT_EQ(FindRecoveryPoint(VideoCodec::kH264, truncated_size).error().code(),
            ErrorCode::kMalformed);
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH264, truncated_size));
  const Bytes header_cut = {0x06, 0xff, 0xff};
  EXPECT_EQ(FindRecoveryPoint(VideoCodec::kH264, header_cut).error().code(), ErrorCode::kMalformed);
  const Bytes empty_payload = {0x06, 0x06, 0x00, 0x80};  // recovery point without its fields
  EXPECT_EQ(FindRecoveryPoint(VideoCodec::kH264, empty_payload).error().code(),
            ErrorCode::kMalformed);
}

TEST(SeiTest, H265PrefixSeiRecoveryPoint) {
  // Prefix SEI (type 39): recovery_poc_cnt se(0) = 1, exact 1, broken 0, then alignment.
  const Bytes zero = {0x4e, 0x01, 0x06, 0x01, 0xd0, 0x80};
  auto rp = FindRecoveryPoint(VideoCodec::kH265, zero);
  ASSERT_TRUE(rp) << rp.error().ToString();
  ASSERT_TRUE(rp->has_value());
  EXPECT_EQ((*rp)->count, 0);
  EXPECT_TRUE((*rp)->exact_match);
  EXPECT_TRUE(IsKeyFrameNal(VideoCodec::kH265, zero));
  // se(-3) = ue(6) = 00111, exact 1, broken 0, alignment 1.
  const Bytes negative = {0x4e, 0x01, 0x06, 0x01, 0x3d, 0x80};
  rp = FindRecoveryPoint(VideoCodec::kH265, negative);
  ASSERT_TRUE(rp && rp->has_value());
  EXPECT_EQ((*rp)->count, -3);
  // The same message in a suffix SEI (type 40) is not where recovery points live.
  const Bytes suffix = {0x50, 0x01, 0x06, 0x01, 0xd0, 0x80};
  rp = FindRecoveryPoint(VideoCodec::kH265, suffix);
  ASSERT_TRUE(rp);
  EXPECT_FALSE(rp->has_value());
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH265, suffix));
}

TEST(SeiTest, KeyFrameNalTypes) {
  EXPECT_TRUE(IsKeyFrameNal(VideoCodec::kH264, Bytes{0x65, 0x88}));   // IDR
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH264, Bytes{0x41, 0x9b}));  // non-IDR slice
  EXPECT_TRUE(IsKeyFrameNal(VideoCodec::kH265, Bytes{0x2a, 0x01}));   // CRA (21)
  EXPECT_TRUE(IsKeyFrameNal(VideoCodec::kH265, Bytes{0x20, 0x01}));   // BLA_W_LP (16)
  EXPECT_FALSE(IsKeyFrameNal(VideoCodec::kH265, Bytes{0x02, 0x01}));  // TRAIL_R
}

constexpr SeiUuid kUuid = {0x73, 0x31, 0x2b, 0xc4, 0xdd, 0x98, 0x46, 0x5f,
                           0x90, 0x8a, 0x13, 0xd9, 0x0a, 0x66, 0x29, 0xb0};

TEST(SeiTest, UserDataUnregisteredRoundTripsThroughEmulationPrevention) {
  // Zero runs in the payload need emulation prevention bytes; the unit must hold no start code.
  const Bytes payload = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x42};
  for (VideoCodec codec : {VideoCodec::kH264, VideoCodec::kH265}) {
    const Bytes nal = BuildUserDataUnregisteredSei(codec, kUuid, payload);
    EXPECT_EQ(NalType(codec, nal), codec == VideoCodec::kH264 ? 6 : 39);
    for (size_t i = 0; i + 2 < nal.size(); ++i) {
      EXPECT_FALSE(nal[i] == 0 && nal[i + 1] == 0 && nal[i + 2] <= 3 && nal[i + 2] != 3) << i;
    }
    EXPECT_EQ(nal.back(), 0x80);
    auto found = FindUserDataUnregistered(codec, nal, kUuid);
    ASSERT_TRUE(found) << found.error().ToString();
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, payload);
    // Another UUID's data is not ours, and the unit is no recovery point.
    SeiUuid other = kUuid;
    other[15] ^= 1;
    found = FindUserDataUnregistered(codec, nal, other);
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
    EXPECT_FALSE(IsKeyFrameNal(codec, nal));
  }
  // H.264: nal_ref_idc 0, type 6, payloadType 5, payloadSize 24.
  const Bytes h264 = BuildUserDataUnregisteredSei(VideoCodec::kH264, kUuid, payload);
  EXPECT_EQ(Bytes(h264.begin(), h264.begin() + 4), (Bytes{0x06, 0x05, 24, 0x73}));
}

TEST(SeiTest, UserDataUnregisteredOfManyBytesAndAfterOtherMessages) {
  const Bytes big(300, 0x11);  // payloadSize 316 is coded 0xff 0x3d
  Bytes nal = BuildUserDataUnregisteredSei(VideoCodec::kH264, kUuid, big);
  EXPECT_EQ(nal[2], 0xff);
  EXPECT_EQ(nal[3], 316 - 255);
  // A recovery point message first: skipped by its size.
  nal.insert(nal.begin() + 1, {0x06, 0x02, 0x09, 0xc4});
  auto found = FindUserDataUnregistered(VideoCodec::kH264, nal, kUuid);
  ASSERT_TRUE(found) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, big);
  // Not an SEI unit at all; an SEI whose size runs past its end.
  found = FindUserDataUnregistered(VideoCodec::kH264, Bytes{0x65, 0x88}, kUuid);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  EXPECT_FALSE(FindUserDataUnregistered(VideoCodec::kH264, Bytes{0x06, 0x05, 40, 0x73}, kUuid));
}

}  // namespace
}  // namespace nightjar::codec
