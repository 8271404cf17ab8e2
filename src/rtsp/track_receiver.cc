#include "rtsp/track_receiver.h"

#include <algorithm>
#include <string>

#include "rtsp/rtcp.h"
#include "rtsp/rtp.h"

namespace nightjar::rtsp {
namespace {

// Packets of another payload type are dropped (RTCP sent on the RTP channel, a second format),
// unless nothing has ever matched: a camera whose SDP names the wrong payload type still records.
constexpr uint64_t kAdoptPayloadTypeAfter = 16;

}  // namespace

TrackReceiver::TrackReceiver(std::unique_ptr<Depacketizer> depacketizer, int payload_type,
                             bool reorder, size_t reorder_capacity)
    : depacketizer_(std::move(depacketizer)),
      payload_type_(payload_type),
      reorder_(reorder),
      buffer_(reorder_capacity) {}

Result<void> TrackReceiver::OnRtp(std::span<const uint8_t> packet, std::vector<AccessUnit>& out) {
  NJ_TRY(RtpPacket rtp, ParseRtp(packet));
  if (rtp.header.payload_type != payload_type_) {
    ++stats_.wrong_payload_type;
    if (stats_.packets > 0 || stats_.wrong_payload_type < kAdoptPayloadTypeAfter) return {};
    payload_type_ = rtp.header.payload_type;
  }
  ++stats_.packets;
  stats_.bytes += rtp.payload.size();
  ssrc_ = rtp.header.ssrc;
  const int64_t sequence = sequences_.Unwrap(rtp.header.sequence);
  if (!reorder_) {
    const bool gap = last_sequence_ && sequence != *last_sequence_ + 1;
    if (gap && sequence > *last_sequence_) stats_.lost += sequence - *last_sequence_ - 1;
    return Deliver(sequence, rtp, gap, out);
  }

  if (!buffer_.Insert(sequence, std::vector<uint8_t>(packet.begin(), packet.end()))) {
    stats_.late_or_duplicate = buffer_.late_or_duplicate();
    return {};
  }
  while (auto p = buffer_.Next()) {
    NJ_TRY(RtpPacket held, ParseRtp(p->data));  // stored whole; it parsed on arrival
    NJ_CHECK_OK(Deliver(p->sequence, held, p->loss_before, out));
  }
  stats_.lost = buffer_.lost();
  return {};
}

Result<void> TrackReceiver::Deliver(int64_t sequence, const RtpPacket& rtp, bool loss_before,
                                    std::vector<AccessUnit>& out) {
  last_sequence_ = sequence;
  const size_t before = out.size();
  DepacketizerInput in{timestamps_.Unwrap(rtp.header.timestamp), rtp.header.marker, loss_before,
                       rtp.payload};
  NJ_CHECK_OK(depacketizer_->Push(in, out));
  stats_.access_units += out.size() - before;
  return {};
}

Result<void> TrackReceiver::OnRtcp(std::span<const uint8_t> packet) {
  NJ_TRY(std::optional<SenderInfo> sr, ParseSenderReport(packet));
  if (!sr) return {};
  // Place the report's RTP time on our unwrapped timeline without disturbing the unwrapper: the
  // nearest 64-bit value with the same low 32 bits as the last packet seen.
  SenderClock clock{sr->ntp_timestamp, sr->rtp_timestamp};
  if (auto last = timestamps_.last()) {
    clock.rtp_timestamp =
        *last + static_cast<int32_t>(sr->rtp_timestamp - static_cast<uint32_t>(*last));
  }
  sender_clock_ = clock;
  return {};
}

std::vector<uint8_t> TrackReceiver::BuildReport(uint32_t own_ssrc) const {
  if (!ssrc_) return BuildReceiverReport(own_ssrc, std::nullopt, "nightjar");
  ReportBlock block;
  block.ssrc = *ssrc_;
  block.cumulative_lost = static_cast<int32_t>(std::min<uint64_t>(stats_.lost, 0x7fffff));
  block.highest_sequence = static_cast<uint32_t>(last_sequence_.value_or(0));
  const uint64_t expected = stats_.packets + stats_.lost;
  if (expected > 0) block.fraction_lost = static_cast<uint8_t>(stats_.lost * 255 / expected);
  return BuildReceiverReport(own_ssrc, block, "nightjar");
}

}  // namespace nightjar::rtsp
