// Fuzzes what a camera's DESCRIBE answer controls: the SDP parser, control URL resolution and
// depacketizer setup from each media section's rtpmap/fmtp (sprop-* base64, AAC config hex),
// plus rtsp:// URL parsing of the same text. A depacketizer that could be made is then fed the
// input as one packet. Invariants beyond "no crash": at most 64 media sections; a relative
// control resolves to a URL that starts with the base.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtsp/depacketizer.h"
#include "rtsp/sdp.h"
#include "rtsp/url.h"

namespace rtsp = nightjar::rtsp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto url = rtsp::ParseRtspUrl(text)) (void)url->WithoutCredentials();
  auto sdp = rtsp::ParseSdp(text);
  if (!sdp) return 0;
  if (sdp->media.empty() || sdp->media.size() > 64) __builtin_trap();
  const std::string base = "rtsp://192.0.2.1:554/stream?channel=1";
  (void)rtsp::ResolveControl(base, sdp->session_control);
  for (const rtsp::SdpMediaDescription& m : sdp->media) {
    std::string url = rtsp::ResolveControl(base, m.control);
    if (m.control.find("://") == std::string::npos && url.compare(0, base.size(), base) != 0) {
      __builtin_trap();
    }
    auto d = rtsp::MakeDepacketizer(m);
    if (!d) continue;
    std::vector<rtsp::AccessUnit> out;
    std::span<const uint8_t> payload(data, size);
    (void)(*d)->Push({0, true, false, payload}, out);
    (void)(*d)->Push({3000, true, true, payload}, out);
    for (const rtsp::AccessUnit& au : out) {
      if (au.data.size() > (size_t{16} << 20)) __builtin_trap();
    }
    (void)(*d)->config();
  }
  return 0;
}
