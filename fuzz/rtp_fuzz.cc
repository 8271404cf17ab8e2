// Fuzzes the RTP and RTCP packet parsers with whatever arrives on a UDP port.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rtsp/rtcp.h"
#include "rtsp/rtp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  if (auto p = nightjar::rtsp::ParseRtp(bytes)) {
    // The payload must lie inside the packet.
    if (p->payload.data() < data || p->payload.data() + p->payload.size() > data + size) {
      __builtin_trap();
    }
  }
  (void)nightjar::rtsp::ParseSenderReport(bytes);
  return 0;
}
