#include "codec/sei.h"

#include <string>
#include <vector>

#include "codec/bit_reader.h"

namespace nightjar::codec {
namespace {

// recovery_point() payload: H.264 D.1.8 (recovery_frame_cnt ue(v), exact_match_flag,
// broken_link_flag, changing_slice_group_idc u(2)); H.265 D.2.8 (recovery_poc_cnt se(v),
// exact_match_flag, broken_link_flag).
Result<RecoveryPoint> ParseRecoveryPoint(VideoCodec codec, std::span<const uint8_t> payload) {
  BitReader r(payload);
  RecoveryPoint rp;
  if (codec == VideoCodec::kH264) {
    // MaxFrameNum is at most 2^16 (log2_max_frame_num_minus4 <= 12), and the count is below it.
    NJ_TRY(uint32_t frames, r.ReadUeMax(65535, "recovery_frame_cnt"));
    rp.count = static_cast<int32_t>(frames);
  } else {
    // -MaxPicOrderCntLsb / 2 .. MaxPicOrderCntLsb / 2 - 1, MaxPicOrderCntLsb <= 2^16.
    NJ_TRY(rp.count, r.ReadSeRange(-32768, 32767, "recovery_poc_cnt"));
  }
  NJ_TRY(rp.exact_match, r.ReadFlag());
  NJ_TRY(rp.broken_link, r.ReadFlag());
  return rp;
}

// payloadType or payloadSize: a run of 0xff bytes each adding 255, then the last byte (§7.3.2.3.1).
Result<uint32_t> ReadSeiValue(std::span<const uint8_t> rbsp, size_t& pos) {
  uint32_t value = 0;
  while (pos < rbsp.size() && rbsp[pos] == 0xff) {
    value += 255;
    ++pos;
  }
  if (pos >= rbsp.size()) return Err(ErrorCode::kMalformed, "SEI message header truncated");
  return value + rbsp[pos++];
}

}  // namespace

Result<std::optional<RecoveryPoint>> FindRecoveryPoint(VideoCodec codec,
                                                       std::span<const uint8_t> nal) {
  const int type = NalType(codec, nal);
  const bool sei = codec == VideoCodec::kH264 ? type == kH264NalSei : type == kH265NalPrefixSei;
  if (!sei) return std::optional<RecoveryPoint>();
  const size_t header = codec == VideoCodec::kH264 ? 1 : 2;
  std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(header));
  // The rbsp_trailing_bits byte (0x80) ends the message list (more_rbsp_data(), §7.2).
  size_t pos = 0;
  while (pos < rbsp.size() && !(pos + 1 == rbsp.size() && rbsp[pos] == 0x80)) {
    NJ_TRY(uint32_t payload_type, ReadSeiValue(rbsp, pos));
    NJ_TRY(uint32_t payload_size, ReadSeiValue(rbsp, pos));
    if (payload_size > rbsp.size() - pos) {
      return Err(ErrorCode::kMalformed,
                 "SEI payload of " + std::to_string(payload_size) + " bytes overruns the NAL unit");
    }
    if (payload_type == kSeiRecoveryPoint) {
      auto rp = ParseRecoveryPoint(codec, std::span(rbsp).subspan(pos, payload_size));
      if (!rp) return std::unexpected(rp.error().Wrap("recovery point SEI"));
      return std::optional<RecoveryPoint>(*rp);
    }
    pos += payload_size;
  }
  return std::optional<RecoveryPoint>();
}

}  // namespace nightjar::codec
