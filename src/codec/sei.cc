#include "codec/sei.h"

#include <algorithm>
#include <array>
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

// Calls visit(payload_type, payload) for each message of SEI NAL unit `nal` (RBSP bytes) until
// it returns true. False if `nal` is no SEI unit or no message was taken.
template <typename Visit>
Result<bool> ForEachSeiMessage(VideoCodec codec, std::span<const uint8_t> nal, Visit visit) {
  const int type = NalType(codec, nal);
  const bool sei = codec == VideoCodec::kH264 ? type == kH264NalSei : type == kH265NalPrefixSei;
  if (!sei) return false;
  const size_t header = codec == VideoCodec::kH264 ? 1 : 2;
  // Most SEI units are a few bytes (picture timing in every frame of many cameras): their RBSP is
  // built on the stack, not allocated for each frame.
  const std::span<const uint8_t> escaped = nal.subspan(header);
  std::array<uint8_t, 256> small;
  std::vector<uint8_t> large;
  uint8_t* buffer = small.data();
  if (escaped.size() > small.size()) {
    large.resize(escaped.size());
    buffer = large.data();
  }
  const std::span<const uint8_t> rbsp(buffer, UnescapeRbsp(escaped, buffer));
  // The rbsp_trailing_bits byte (0x80) ends the message list (more_rbsp_data(), §7.2).
  size_t pos = 0;
  while (pos < rbsp.size() && !(pos + 1 == rbsp.size() && rbsp[pos] == 0x80)) {
    NJ_TRY(uint32_t payload_type, ReadSeiValue(rbsp, pos));
    NJ_TRY(uint32_t payload_size, ReadSeiValue(rbsp, pos));
    if (payload_size > rbsp.size() - pos) {
      return Err(ErrorCode::kMalformed,
                 "SEI payload of " + std::to_string(payload_size) + " bytes overruns the NAL unit");
    }
    NJ_TRY(bool taken,
           visit(payload_type, std::span<const uint8_t>(rbsp).subspan(pos, payload_size)));
    if (taken) return true;
    pos += payload_size;
  }
  return false;
}

// payloadType or payloadSize as §7.3.2.3.1 codes it: 0xff bytes each adding 255, then the rest.
void WriteSeiValue(size_t value, std::vector<uint8_t>& out) {
  for (; value >= 255; value -= 255) out.push_back(0xff);
  out.push_back(static_cast<uint8_t>(value));
}

}  // namespace

Result<std::optional<RecoveryPoint>> FindRecoveryPoint(VideoCodec codec,
                                                       std::span<const uint8_t> nal) {
  std::optional<RecoveryPoint> found;
  auto r = ForEachSeiMessage(codec, nal,
                             [&](uint32_t type, std::span<const uint8_t> payload) -> Result<bool> {
                               if (type != kSeiRecoveryPoint) return false;
                               auto rp = ParseRecoveryPoint(codec, payload);
                               if (!rp)
                                 return std::unexpected(rp.error().Wrap("recovery point SEI"));
                               found = *rp;
                               return true;
                             });
  if (!r) return std::unexpected(std::move(r).error());
  return found;
}

std::vector<uint8_t> BuildUserDataUnregisteredSei(VideoCodec codec, const SeiUuid& uuid,
                                                  std::span<const uint8_t> payload) {
  std::vector<uint8_t> rbsp;
  WriteSeiValue(kSeiUserDataUnregistered, rbsp);
  WriteSeiValue(uuid.size() + payload.size(), rbsp);
  rbsp.insert(rbsp.end(), uuid.begin(), uuid.end());
  rbsp.insert(rbsp.end(), payload.begin(), payload.end());
  rbsp.push_back(0x80);  // rbsp_trailing_bits
  std::vector<uint8_t> nal;
  if (codec == VideoCodec::kH264) {
    nal.push_back(kH264NalSei);
  } else {
    nal.push_back(static_cast<uint8_t>(kH265NalPrefixSei << 1));
    nal.push_back(1);
  }
  EscapeRbsp(rbsp, &nal);
  return nal;
}

Result<std::optional<std::vector<uint8_t>>> FindUserDataUnregistered(VideoCodec codec,
                                                                     std::span<const uint8_t> nal,
                                                                     const SeiUuid& uuid) {
  std::optional<std::vector<uint8_t>> found;
  auto r = ForEachSeiMessage(
      codec, nal, [&](uint32_t type, std::span<const uint8_t> payload) -> Result<bool> {
        if (type != kSeiUserDataUnregistered || payload.size() < uuid.size() ||
            !std::equal(uuid.begin(), uuid.end(), payload.begin())) {
          return false;
        }
        found.emplace(payload.begin() + uuid.size(), payload.end());
        return true;
      });
  if (!r) return std::unexpected(std::move(r).error());
  return found;
}

}  // namespace nightjar::codec
