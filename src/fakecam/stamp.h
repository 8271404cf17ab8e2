// Send-time stamps (the `stamp=1` URL option of `nightjar fakecam`): before the picture of each
// video access unit it sends, fakecam puts an SEI NAL unit holding one user_data_unregistered
// message (codec/sei.h): kStampUuid, then the wall-clock time the frame was sent, in microseconds
// since the Unix epoch, as an 8-byte big-endian signed integer. A recorder keeps SEI units as it
// keeps every NAL unit, so the stamp reaches whatever plays the frame (stored files, LL-HLS parts,
// WebSocket fragments), and a player can tell how long ago a frame it shows was sent
// (bench/live_latency.mjs).
//
// Pure functions, thread-safe.
#ifndef NIGHTJAR_FAKECAM_STAMP_H_
#define NIGHTJAR_FAKECAM_STAMP_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "codec/nal.h"
#include "codec/sei.h"

namespace nightjar::fakecam {

// 73312bc4-dd98-465f-908a-13d90a6629b0 (a random version 4 UUID, ISO/IEC 11578).
inline constexpr codec::SeiUuid kStampUuid = {0x73, 0x31, 0x2b, 0xc4, 0xdd, 0x98, 0x46, 0x5f,
                                              0x90, 0x8a, 0x13, 0xd9, 0x0a, 0x66, 0x29, 0xb0};

// The whole SEI NAL unit stamping `unix_micros`.
std::vector<uint8_t> StampSei(codec::VideoCodec codec, int64_t unix_micros);

// The stamp an SEI NAL unit holds; nullopt for any other NAL unit, another UUID, a payload that
// is not 8 bytes, or malformed SEI syntax.
std::optional<int64_t> ReadStamp(codec::VideoCodec codec, std::span<const uint8_t> nal);

}  // namespace nightjar::fakecam

#endif  // NIGHTJAR_FAKECAM_STAMP_H_
