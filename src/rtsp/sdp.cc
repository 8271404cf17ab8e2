#include "rtsp/sdp.h"

namespace nightjar::rtsp {

std::string BuildSdp(const SdpSession& s) {
  std::string out;
  auto line = [&out](std::string_view text) {
    out += text;
    out += "\r\n";
  };
  const std::string id = std::to_string(s.session_id);
  line("v=0");
  line("o=- " + id + " " + id + " IN IP4 " + s.origin_address);
  line("s=" + s.name);
  line("c=IN IP4 0.0.0.0");
  line("t=0 0");
  line("a=control:*");
  line("a=range:npt=now-");
  for (const SdpMedia& m : s.media) {
    const std::string pt = std::to_string(m.payload_type);
    line("m=" + m.media + " 0 RTP/AVP " + pt);
    line("a=rtpmap:" + pt + " " + m.encoding);
    if (!m.fmtp.empty()) line("a=fmtp:" + pt + " " + m.fmtp);
    for (const auto& a : m.extra_attributes) line("a=" + a);
    line("a=control:" + m.control);
  }
  return out;
}

}  // namespace nightjar::rtsp
