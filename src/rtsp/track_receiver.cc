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
      buffer_(reorder_capacity),
      reorder_capacity_(reorder_capacity) {}

Result<void> TrackReceiver::OnRtp(std::span<const uint8_t> packet, std::vector<AccessUnit>& out) {
  Result<RtpPacket> parsed = ParseRtp(packet);
  if (!parsed) {
    ++stats_.implausible;
    return {};
  }
  const RtpPacket& rtp = *parsed;
  if (rtp.header.payload_type != payload_type_) {
    ++stats_.wrong_payload_type;
    if (stats_.packets > 0 || stats_.wrong_payload_type < kAdoptPayloadTypeAfter) return {};
    payload_type_ = rtp.header.payload_type;
  }
  if (ssrc_ && !Continues(rtp.header)) return Probation(rtp, packet, out);
  if (candidate_) {  // what looked like a restart was not one
    stats_.implausible += candidate_->held.size();
    candidate_.reset();
  }
  return Accept(rtp, packet, out);
}

bool TrackReceiver::Continues(const RtpHeader& h) const {
  if (h.ssrc != *ssrc_) return false;
  const int delta = static_cast<int16_t>(static_cast<uint16_t>(h.sequence - highest_sequence_));
  return delta >= -kMaxMisorder && delta <= kMaxDropout;
}

Result<void> TrackReceiver::Probation(const RtpPacket& rtp, std::span<const uint8_t> packet,
                                      std::vector<AccessUnit>& out) {
  if (candidate_ && candidate_->ssrc == rtp.header.ssrc &&
      candidate_->next_sequence == rtp.header.sequence) {
    candidate_->held.emplace_back(packet.begin(), packet.end());
    ++candidate_->next_sequence;
    return candidate_->held.size() >= kProbation ? Restart(out) : Result<void>{};
  }
  if (candidate_) stats_.implausible += candidate_->held.size();
  candidate_ = Candidate{rtp.header.ssrc, static_cast<uint16_t>(rtp.header.sequence + 1), {}};
  candidate_->held.emplace_back(packet.begin(), packet.end());
  return {};
}

Result<void> TrackReceiver::Restart(std::vector<AccessUnit>& out) {
  Candidate c = std::move(*candidate_);
  candidate_.reset();
  if (reorder_) {  // what the old stream still has held goes out first, in order
    while (auto p = buffer_.Drain()) {
      if (auto held = ParseRtp(p->data)) {
        NJ_CHECK_OK(Deliver(p->sequence, *held, p->loss_before, out));
      }
    }
    lost_base_ += buffer_.lost();
    late_base_ += buffer_.late_or_duplicate();
    buffer_ = ReorderBuffer(reorder_capacity_);
  }
  sequences_ = SequenceUnwrapper();
  last_sequence_.reset();
  // An access unit the old stream left open (no marker yet) cannot be completed: the depacketizer
  // drops it. One that ended cleanly loses nothing.
  force_loss_ = !last_marker_;
  ++stats_.restarts;
  const RtpHeader first = ParseRtp(c.held.front())->header;  // each parsed on arrival
  if (first.ssrc != *ssrc_ && last_timestamp_) {
    // A new SSRC starts a new random timestamp base (RFC 3550 §5.1): continue the timeline
    // one step after the last packet instead of jumping.
    const int64_t target = *last_timestamp_ + std::max<int64_t>(timestamp_step_, 1);
    timestamp_shift_ = static_cast<uint32_t>(target) - first.timestamp;
  }
  if (first.ssrc != *ssrc_) old_ssrc_ = *ssrc_;
  ssrc_.reset();
  for (const auto& held : c.held) {
    NJ_TRY(RtpPacket rtp, ParseRtp(held));
    NJ_CHECK_OK(Accept(rtp, held, out));
  }
  return {};
}

Result<void> TrackReceiver::Accept(const RtpPacket& rtp, std::span<const uint8_t> packet,
                                   std::vector<AccessUnit>& out) {
  ++stats_.packets;
  stats_.bytes += rtp.payload.size();
  const int delta =
      static_cast<int16_t>(static_cast<uint16_t>(rtp.header.sequence - highest_sequence_));
  if (!ssrc_ || delta > 0) highest_sequence_ = rtp.header.sequence;
  ssrc_ = rtp.header.ssrc;
  const int64_t sequence = sequences_.Unwrap(rtp.header.sequence);
  if (!reorder_) {
    const bool gap = last_sequence_ && sequence != *last_sequence_ + 1;
    if (gap && sequence > *last_sequence_) stats_.lost += sequence - *last_sequence_ - 1;
    return Deliver(sequence, rtp, gap, out);
  }

  // In order with nothing held (nearly always): parsed in place, no copy.
  if (buffer_.TakeInOrder(sequence)) return Deliver(sequence, rtp, false, out);
  if (!buffer_.Insert(sequence, std::vector<uint8_t>(packet.begin(), packet.end()))) {
    stats_.late_or_duplicate = late_base_ + buffer_.late_or_duplicate();
    return {};
  }
  while (auto p = buffer_.Next()) {
    NJ_TRY(RtpPacket held, ParseRtp(p->data));  // stored whole; it parsed on arrival
    NJ_CHECK_OK(Deliver(p->sequence, held, p->loss_before, out));
  }
  stats_.lost = lost_base_ + buffer_.lost();
  return {};
}

Result<void> TrackReceiver::Deliver(int64_t sequence, const RtpPacket& rtp, bool loss_before,
                                    std::vector<AccessUnit>& out) {
  last_sequence_ = sequence;
  const size_t before = out.size();
  const int64_t timestamp = timestamps_.Unwrap(rtp.header.timestamp + timestamp_shift_);
  if (last_timestamp_ && timestamp > *last_timestamp_)
    timestamp_step_ = timestamp - *last_timestamp_;
  last_timestamp_ = timestamp;
  DepacketizerInput in{timestamp, rtp.header.marker, loss_before || force_loss_, rtp.payload};
  force_loss_ = false;
  last_marker_ = rtp.header.marker;
  NJ_CHECK_OK(depacketizer_->Push(in, out));
  stats_.access_units += out.size() - before;
  return {};
}

Result<void> TrackReceiver::OnRtcp(std::span<const uint8_t> packet) {
  NJ_TRY(std::optional<SenderInfo> sr, ParseSenderReport(packet));
  if (!sr) return {};
  if (old_ssrc_ && sr->ssrc == *old_ssrc_) return {};  // about the stream before a restart
  // Place the report's RTP time on our unwrapped timeline without disturbing the unwrapper: the
  // nearest 64-bit value with the same low 32 bits as the last packet seen.
  const uint32_t rtp_time = sr->rtp_timestamp + timestamp_shift_;
  SenderClock clock{sr->ntp_timestamp, rtp_time};
  if (auto last = timestamps_.last()) {
    clock.rtp_timestamp = *last + static_cast<int32_t>(rtp_time - static_cast<uint32_t>(*last));
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
