// Fuzzes the per-track receiver with whole RTP and RTCP packets as a camera (or anyone able to
// reach a UDP port) sends them: header parsing, sequence/timestamp unwrapping, the reorder
// buffer, payload-type checks, the H.264 / AAC depacketizers behind them and sender reports.
// Input: a selector byte (bit 0: UDP reordering, bit 1: AAC instead of H.264), then packets, each
// a flags byte (bit 0: RTCP), a 16-bit length and the packet bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtsp/depacketizer.h"
#include "rtsp/sdp.h"
#include "rtsp/track_receiver.h"

namespace rtsp = nightjar::rtsp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  rtsp::SdpMediaDescription m;
  m.payload_type = 96;
  if (selector & 2) {
    m.encoding = "MPEG4-GENERIC";
    m.clock_rate = 48000;
    m.fmtp = {{"mode", "AAC-hbr"},
              {"sizelength", "13"},
              {"indexlength", "3"},
              {"indexdeltalength", "3"},
              {"config", "1190"}};
  } else {
    m.encoding = "H264";
    m.clock_rate = 90000;
  }
  auto d = rtsp::MakeDepacketizer(m);
  if (!d) __builtin_trap();  // both configurations are valid
  rtsp::TrackReceiver receiver(std::move(*d), 96, (selector & 1) != 0, 8);
  std::vector<rtsp::AccessUnit> out;
  size_t off = 1;
  while (off + 3 <= size) {
    const uint8_t flags = data[off];
    const size_t len = std::min<size_t>(size - off - 3, size_t{data[off + 1]} << 8 | data[off + 2]);
    const std::span<const uint8_t> packet(data + off + 3, len);
    off += 3 + len;
    if (flags & 1) {
      (void)receiver.OnRtcp(packet);
    } else if (!receiver.OnRtp(packet, out)) {
      break;  // a real session ends here
    }
    for (const auto& au : out) {
      if (au.data.size() > (16u << 20)) __builtin_trap();
    }
    out.clear();
  }
  (void)receiver.BuildReport(1234);
  return 0;
}
