// Internal to rtsp/: the per-codec depacketizer factories MakeDepacketizer dispatches to, and the
// limits they share. Not part of the module's interface.
#ifndef NIGHTJAR_RTSP_DEPACKETIZER_INTERNAL_H_
#define NIGHTJAR_RTSP_DEPACKETIZER_INTERNAL_H_

#include <cstddef>
#include <memory>

#include "base/buffer_pool.h"
#include "base/error.h"
#include "codec/g711.h"
#include "codec/nal.h"
#include "rtsp/depacketizer.h"
#include "rtsp/sdp.h"

namespace nightjar::rtsp::internal {

// Bounds on what one access unit may grow to before the stream is declared malformed.
inline constexpr size_t kMaxAccessUnitSize = size_t{16} << 20;
inline constexpr size_t kMaxNalsPerAccessUnit = 1024;

// H.264 (RFC 6184) or H.265 (RFC 7798), with sprop-* parameter sets from `media.fmtp`.
// kUnsupported for interleaved packetization (H.264 packetization-mode 2, H.265 DONL).
Result<std::unique_ptr<Depacketizer>> MakeH26xDepacketizer(codec::VideoCodec codec,
                                                           const SdpMediaDescription& media,
                                                           BufferPool& pool);

// RFC 3640 mpeg4-generic AAC (AAC-hbr / AAC-lbr). kMalformed without a usable config=.
Result<std::unique_ptr<Depacketizer>> MakeAacDepacketizer(const SdpMediaDescription& media,
                                                          BufferPool& pool);

// RFC 3551 PCMU / PCMA: one access unit per packet.
std::unique_ptr<Depacketizer> MakeG711Depacketizer(const SdpMediaDescription& media,
                                                   codec::G711Law law, BufferPool& pool);

}  // namespace nightjar::rtsp::internal

#endif  // NIGHTJAR_RTSP_DEPACKETIZER_INTERNAL_H_
