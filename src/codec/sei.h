// Supplemental enhancement information (SEI) of H.264 (ITU-T H.264 §7.3.2.3, Annex D) and H.265
// (ITU-T H.265 §7.3.2.4, Annex D): what deciding random access needs, the recovery point SEI
// message (H.264 D.1.8 / D.2.8, H.265 D.2.8 / D.3.8, payloadType 6), and the
// user_data_unregistered message (H.264 D.1.7 / D.2.7, H.265 D.2.7 / D.3.7, payloadType 5): a
// 16-byte UUID naming the payload's format, then the payload (fakecam stamps send times in it).
//
// A recovery point tells a decoder that starting at this access unit, after `count` more frames
// (H.264: recovery_frame_cnt, in frames; H.265: recovery_poc_cnt, in picture order counts) the
// output is correct. Encoders with periodic intra refresh (x264 --intra-refresh, many cameras'
// "smart" modes) send no IDR after the first picture, only these, so they are the stream's random
// access points.
//
// Pure functions, thread-safe. Inputs are only read during the call. Malformed SEI syntax yields
// kMalformed; nothing allocates more than the input's size.
#ifndef NIGHTJAR_CODEC_SEI_H_
#define NIGHTJAR_CODEC_SEI_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/error.h"
#include "codec/nal.h"

namespace nightjar::codec {

inline constexpr uint32_t kSeiRecoveryPoint = 6;         // payloadType, both codecs
inline constexpr uint32_t kSeiUserDataUnregistered = 5;  // payloadType, both codecs

// uuid_iso_iec_11578 of a user_data_unregistered message.
using SeiUuid = std::array<uint8_t, 16>;

struct RecoveryPoint {
  int32_t count = 0;  // H.264 recovery_frame_cnt (>= 0); H.265 recovery_poc_cnt (may be < 0)
  bool exact_match = false;
  bool broken_link = false;
};

// The recovery point message of an SEI NAL unit (whole unit, header included: H.264 type 6, H.265
// prefix SEI type 39), or nullopt if it holds none or is no such NAL unit. The messages before it
// are skipped by their payloadSize. kMalformed if a message header or the recovery point's own
// syntax runs past the end of the unit.
Result<std::optional<RecoveryPoint>> FindRecoveryPoint(VideoCodec codec,
                                                       std::span<const uint8_t> nal);

// A whole SEI NAL unit (header included: H.264 type 6, nal_ref_idc 0; H.265 prefix SEI type 39,
// layer 0, nuh_temporal_id_plus1 1) holding one user_data_unregistered message: `uuid`, then
// `payload`, then rbsp_trailing_bits, with emulation prevention bytes inserted (§7.4.1).
std::vector<uint8_t> BuildUserDataUnregisteredSei(VideoCodec codec, const SeiUuid& uuid,
                                                  std::span<const uint8_t> payload);

// The payload (after the UUID) of the first user_data_unregistered message of SEI NAL unit `nal`
// whose UUID is `uuid`; nullopt if there is none or `nal` is no SEI unit. kMalformed as
// FindRecoveryPoint.
Result<std::optional<std::vector<uint8_t>>> FindUserDataUnregistered(VideoCodec codec,
                                                                     std::span<const uint8_t> nal,
                                                                     const SeiUuid& uuid);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_SEI_H_
