// RTP packets (RFC 3550 §5.1) and the packetizers that split access units into RTP payloads:
// H.264 (RFC 6184 non-interleaved mode: single NAL unit, STAP-A, FU-A), H.265 (RFC 7798: single
// NAL unit, AP, FU) and AAC (RFC 3640 mpeg4-generic, AAC-hbr mode). RTCP sender reports live in
// rtcp.h. I/O-free.
#ifndef NIGHTJAR_RTSP_RTP_H_
#define NIGHTJAR_RTSP_RTP_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/error.h"

namespace nightjar::rtsp {

inline constexpr size_t kRtpHeaderSize = 12;

struct RtpHeader {
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
};

// Writes the fixed 12-byte header (version 2, no padding, no extension, no CSRCs).
void WriteRtpHeader(const RtpHeader& header, uint8_t* out);

struct RtpPacket {
  RtpHeader header;
  std::span<const uint8_t> payload;  // points into the input; padding and extension removed
};

// Parses a received packet, skipping CSRCs and a header extension and removing padding.
// Fails with kMalformed on a wrong version or lengths that do not fit.
Result<RtpPacket> ParseRtp(std::span<const uint8_t> packet);

// One RTP payload produced by a packetizer: `size` bytes at `offset` in the caller's arena.
struct PayloadRef {
  uint32_t offset;
  uint32_t size;
  bool marker;  // last packet of an access unit (RFC 6184 §5.1, RFC 7798 §4.1, RFC 3640 §3.2)
};

// Packetizers append payload bytes to `arena` and one PayloadRef per packet to `out`. `nals` are
// the NAL units of one access unit without start codes or length prefixes, in decode order.
// Each payload is at most `max_payload` bytes (must be >= 16). Small neighbouring NAL units are
// aggregated (STAP-A / AP) and large ones fragmented (FU-A / FU).
void PacketizeH264(std::span<const std::span<const uint8_t>> nals, size_t max_payload,
                   std::vector<uint8_t>& arena, std::vector<PayloadRef>& out);
void PacketizeH265(std::span<const std::span<const uint8_t>> nals, size_t max_payload,
                   std::vector<uint8_t>& arena, std::vector<PayloadRef>& out);

// One AAC access unit (raw, no ADTS header) as RFC 3640 AAC-hbr: a 16-bit AU-headers-length,
// one AU-header (13-bit size, 3-bit index 0), the AU. AUs larger than a packet are fragmented
// (§3.2.3: every fragment carries the AU-header with the whole AU's size).
void PacketizeAac(std::span<const uint8_t> access_unit, size_t max_payload,
                  std::vector<uint8_t>& arena, std::vector<PayloadRef>& out);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_RTP_H_
