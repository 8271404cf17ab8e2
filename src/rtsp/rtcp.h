// RTCP (RFC 3550 §6): the sender reports that map a stream's RTP timestamps to the sender's
// wall clock (NTP format), and the receiver reports clients send back. I/O-free.
#ifndef NIGHTJAR_RTSP_RTCP_H_
#define NIGHTJAR_RTSP_RTCP_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar::rtsp {

struct SenderInfo {
  uint32_t ssrc = 0;
  uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900-01-01 UTC
  uint32_t rtp_timestamp = 0;  // the same instant on the stream's RTP clock
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
};

// Builds a compound packet: SR (no report blocks) followed by SDES with a CNAME item, as
// §6.1 requires every compound RTCP packet to carry a CNAME.
std::vector<uint8_t> BuildSenderReport(const SenderInfo& info, std::string_view cname);

// Builds a compound packet: RR with at most one report block (for `media_ssrc`, zero counts
// when nothing is known) followed by SDES CNAME.
std::vector<uint8_t> BuildReceiverReport(uint32_t reporter_ssrc, std::optional<uint32_t> media_ssrc,
                                         std::string_view cname);

// One reception report block (RFC 3550 §6.4.1) about the stream `ssrc`.
struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;      // since the previous report, in 1/256
  int32_t cumulative_lost = 0;    // 24-bit signed on the wire (clamped)
  uint32_t highest_sequence = 0;  // extended highest sequence number received
  uint32_t jitter = 0;
};

// As above, with the block's loss and sequence fields filled in.
std::vector<uint8_t> BuildReceiverReport(uint32_t reporter_ssrc, const ReportBlock& block,
                                         std::string_view cname);

// Walks a compound packet and returns the sender info of its SR, if any. Fails with kMalformed
// when the packet lengths do not add up.
Result<std::optional<SenderInfo>> ParseSenderReport(std::span<const uint8_t> compound);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_RTCP_H_
