// SDP (RFC 8866) session descriptions as RTSP uses them (RFC 2326 Appendix C). This part
// writes the descriptions a server answers DESCRIBE with. I/O-free.
#ifndef NIGHTJAR_RTSP_SDP_H_
#define NIGHTJAR_RTSP_SDP_H_

#include <string>
#include <vector>

namespace nightjar::rtsp {

struct SdpMedia {
  std::string media;  // "video" or "audio"
  int payload_type = 96;
  std::string encoding;  // rtpmap encoding name/clock[/channels], e.g. "H264/90000"
  std::string fmtp;      // format parameters without "a=fmtp:PT ", may be empty
  std::string control;   // a=control value, e.g. "trackID=0"
  std::vector<std::string> extra_attributes;  // e.g. "framerate:30", without "a="
};

struct SdpSession {
  std::string origin_address = "127.0.0.1";
  uint64_t session_id = 0;
  std::string name = "Nightjar";
  std::vector<SdpMedia> media;
};

// Serializes with CRLF line ends; a=control:* at session level so clients resolve each media's
// control against the Content-Base.
std::string BuildSdp(const SdpSession& session);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_SDP_H_
