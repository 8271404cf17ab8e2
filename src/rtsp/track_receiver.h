// The receiving side of one RTP stream (one SDP media section): RTP packets in (over TCP
// interleaving or UDP), access units out. Sequence numbers and timestamps are unwrapped here
// (RFC 3550 §A.1); UDP packets go through a reorder buffer; RTCP sender reports (§6.4.1) keep the
// mapping from the stream's RTP clock to the sender's wall clock, and the receiver reports we send
// back (§6.4.2) are built from what arrived. I/O-free and fuzzed (with the depacketizers).
//
// Thread safety: one instance per track, used from its session's strand.
#ifndef NIGHTJAR_RTSP_TRACK_RECEIVER_H_
#define NIGHTJAR_RTSP_TRACK_RECEIVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/error.h"
#include "rtsp/depacketizer.h"
#include "rtsp/reorder.h"
#include "rtsp/rtp.h"

namespace nightjar::rtsp {

// The latest sender report: the sender's wall clock at an RTP instant.
struct SenderClock {
  uint64_t ntp_timestamp = 0;  // 32.32 seconds since 1900 (RFC 3550 §4)
  int64_t rtp_timestamp = 0;   // unwrapped into this track's timeline
};

struct TrackStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // RTP payload bytes
  uint64_t lost = 0;   // sequence numbers never received
  uint64_t late_or_duplicate = 0;
  uint64_t wrong_payload_type = 0;  // packets with another payload type, dropped
  // Packets dropped as not of this stream: not RTP version 2 or cut short, or of another SSRC
  // or far from the sequence numbers that never became the stream's (see OnRtp).
  uint64_t implausible = 0;
  uint64_t restarts = 0;  // SSRC changes and sequence-number resets followed
  uint64_t access_units = 0;
  uint64_t dropped = 0;  // access units the depacketizer dropped (loss, unknown parameters)
};

class TrackReceiver {
 public:
  // `reorder`: true for UDP (packets may arrive out of order), false for TCP.
  TrackReceiver(std::unique_ptr<Depacketizer> depacketizer, int payload_type, bool reorder,
                size_t reorder_capacity = 64);

  // One RTP packet as received. Appends completed access units (timestamps unwrapped) to `out`.
  // Packets that are not plausibly of this stream are dropped and counted, never an error: not
  // RTP version 2, another payload type, another SSRC, or a sequence number far from the last
  // (more than kMaxDropout ahead or kMaxMisorder behind; RFC 3550 §A.1). When kProbation such
  // packets in a row continue each other (same SSRC, consecutive sequence numbers), the stream
  // restarted (a new SSRC, a sequence reset): sequence state starts over, a partial access unit
  // is dropped, a new SSRC's timestamps are shifted to continue the timeline, and the held
  // packets are delivered. kMalformed only when a packet of the stream breaks its payload format
  // (the session should reconnect).
  Result<void> OnRtp(std::span<const uint8_t> packet, std::vector<AccessUnit>& out);

  // One compound RTCP packet as received; a sender report updates sender_clock(). kMalformed on
  // lengths that do not add up (callers may ignore it: RTCP is advisory).
  Result<void> OnRtcp(std::span<const uint8_t> packet);

  // A receiver report for this track (RFC 3550 §6.4.2, loss counts filled in) with SDES CNAME.
  std::vector<uint8_t> BuildReport(uint32_t own_ssrc) const;

  const std::optional<SenderClock>& sender_clock() const { return sender_clock_; }
  uint64_t packets() const { return stats_.packets; }  // accepted so far
  TrackStats stats() const {
    TrackStats s = stats_;
    s.dropped = depacketizer_->dropped();
    return s;
  }
  Depacketizer& depacketizer() { return *depacketizer_; }

 private:
  static constexpr int kMaxDropout = 3000, kMaxMisorder = 100;  // RFC 3550 §A.1
  static constexpr size_t kProbation = 2;                       // MIN_SEQUENTIAL, §A.1

  // A possible restart of the stream: packets held until enough follow each other.
  struct Candidate {
    uint32_t ssrc;
    uint16_t next_sequence;
    std::vector<std::vector<uint8_t>> held;
  };

  // Whether a packet continues the current stream (SSRC and sequence number).
  bool Continues(const RtpHeader& h) const;
  Result<void> Accept(const RtpPacket& rtp, std::span<const uint8_t> packet,
                      std::vector<AccessUnit>& out);
  Result<void> Probation(const RtpPacket& rtp, std::span<const uint8_t> packet,
                         std::vector<AccessUnit>& out);
  Result<void> Restart(std::vector<AccessUnit>& out);
  // `rtp` is parsed once, on arrival (TCP) or when the reorder buffer releases it (UDP).
  Result<void> Deliver(int64_t sequence, const RtpPacket& rtp, bool loss_before,
                       std::vector<AccessUnit>& out);

  std::unique_ptr<Depacketizer> depacketizer_;
  int payload_type_;
  bool reorder_;
  ReorderBuffer buffer_;
  SequenceUnwrapper sequences_;
  TimestampUnwrapper timestamps_;
  std::optional<int64_t> last_sequence_;  // last delivered
  std::optional<uint32_t> ssrc_;
  std::optional<uint32_t> old_ssrc_;  // the SSRC before the last change; its reports are stale
  uint16_t highest_sequence_ = 0;     // highest raw sequence number accepted (valid with ssrc_)
  std::optional<Candidate> candidate_;
  bool force_loss_ = false;  // the next delivered packet follows a restart
  bool last_marker_ = true;  // the last delivered packet ended an access unit
  // Added to every RTP timestamp before unwrapping: keeps the timeline continuous across SSRCs.
  uint32_t timestamp_shift_ = 0;
  std::optional<int64_t> last_timestamp_;   // unwrapped, of the last delivered packet
  int64_t timestamp_step_ = 0;              // the last positive step between packets' timestamps
  uint64_t lost_base_ = 0, late_base_ = 0;  // counts of reorder buffers replaced by restarts
  size_t reorder_capacity_;
  std::optional<SenderClock> sender_clock_;
  TrackStats stats_;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_TRACK_RECEIVER_H_
