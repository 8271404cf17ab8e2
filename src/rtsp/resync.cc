#include "rtsp/resync.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace nightjar::rtsp {
namespace {

// What a server may start a message with on a playing session's connection: replies, and the
// requests RFC 2326 §10 lets a server send (plus ANNOUNCE and REDIRECT, which we answer 501).
constexpr std::array<std::string_view, 6> kStarts = {
    "RTSP/1.0 ", "OPTIONS ", "GET_PARAMETER ", "SET_PARAMETER ", "ANNOUNCE ", "REDIRECT "};

enum class Verdict { kNo, kYes, kNeedMore };

Verdict RtspStartAt(std::span<const uint8_t> data) {
  bool prefix = false;
  for (std::string_view s : kStarts) {
    const size_t n = std::min(s.size(), data.size());
    if (!std::equal(s.begin(), s.begin() + static_cast<ptrdiff_t>(n), data.begin())) continue;
    if (n == s.size()) return Verdict::kYes;
    prefix = true;
  }
  return prefix ? Verdict::kNeedMore : Verdict::kNo;
}

// A `$` frame at the start of `data` on a channel we set up, with a plausible length and header.
Verdict FrameAt(std::span<const uint8_t> data, const InterleavedChannels& ch) {
  if (data.size() < 2) return Verdict::kNeedMore;
  const bool rtp = ch.rtp.test(data[1]), rtcp = ch.rtcp.test(data[1]);
  if (!rtp && !rtcp) return Verdict::kNo;
  if (data.size() < 4) return Verdict::kNeedMore;
  const size_t len = (size_t{data[2]} << 8) | data[3];
  // RTP: at least the fixed header (RFC 3550 §5.1). RTCP: whole 32-bit words, at least a
  // header and an SSRC (§6.4).
  if (rtp && len < 12) return Verdict::kNo;
  if (rtcp && (len < 8 || len % 4 != 0)) return Verdict::kNo;
  if (data.size() < 6) return Verdict::kNeedMore;
  if ((data[4] >> 6) != 2) return Verdict::kNo;
  if (rtcp) {
    // Packet types 200-204 (SR, RR, SDES, BYE, APP); a compound packet starts with SR or RR
    // (§6.1) but some senders lead with SDES.
    return data[5] >= 200 && data[5] <= 204 ? Verdict::kYes : Verdict::kNo;
  }
  // Payload types 72-76 would read as RTCP packet types 200-204 (RFC 5761 §4): never RTP.
  const uint8_t pt = data[5] & 0x7f;
  return pt >= 72 && pt <= 76 ? Verdict::kNo : Verdict::kYes;
}

}  // namespace

SyncScan ScanForSync(std::span<const uint8_t> data, const InterleavedChannels& channels) {
  for (size_t i = 0; i < data.size(); ++i) {
    Verdict v = Verdict::kNo;
    if (data[i] == '$') {
      v = FrameAt(data.subspan(i), channels);
    } else if (data[i] == 'R' || data[i] == 'O' || data[i] == 'G' || data[i] == 'S' ||
               data[i] == 'A') {
      v = RtspStartAt(data.subspan(i));
    }
    if (v == Verdict::kYes) return {SyncScan::Kind::kFound, i};
    if (v == Verdict::kNeedMore) return {SyncScan::Kind::kNeedMore, i};
  }
  return {SyncScan::Kind::kNeedMore, data.size()};
}

bool MayStartRtspMessage(std::span<const uint8_t> data) {
  return RtspStartAt(data) != Verdict::kNo;
}

}  // namespace nightjar::rtsp
