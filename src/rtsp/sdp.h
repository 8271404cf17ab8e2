// SDP (RFC 8866) session descriptions as RTSP uses them (RFC 2326 Appendix C): the descriptions
// a server answers DESCRIBE with, and the parser a client reads them with. I/O-free and fuzzed.
#ifndef NIGHTJAR_RTSP_SDP_H_
#define NIGHTJAR_RTSP_SDP_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

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

// One m= section as a client sees it, with the first payload type's attributes resolved.
struct SdpMediaDescription {
  std::string media;      // "video", "audio", "application", ... (lower-case)
  std::string protocol;   // "RTP/AVP", ...
  int payload_type = -1;  // the first format of the m= line
  // From a=rtpmap (encoding upper-cased: "H264", "H265", "MPEG4-GENERIC", "PCMU", "PCMA"), or
  // the RFC 3551 static table for payload types 0 (PCMU/8000) and 8 (PCMA/8000) without rtpmap.
  std::string encoding;
  uint32_t clock_rate = 0;
  uint32_t channels = 1;
  std::map<std::string, std::string> fmtp;  // keys lower-cased, values as sent (trimmed)
  std::string control;                      // a=control (trimmed), empty when absent
  std::optional<double> framerate;          // a=framerate
};

struct SdpDescription {
  std::string session_name;
  std::string session_control;  // session-level a=control ("*" or a URL), empty when absent
  std::vector<SdpMediaDescription> media;
};

// Parses a description leniently, as cameras write them: CRLF or LF line ends, missing or
// repeated optional lines, unknown lines ignored, case differences in encodings and fmtp keys.
// Fails with kMalformed only when there is no m= line or a media line has no format at all.
// A format that is not a number (not RTP) leaves payload_type -1. Attributes of payload types
// other than the first format are ignored. Bounded: media sections past the 64th are ignored.
Result<SdpDescription> ParseSdp(std::string_view text);

// RFC 2326 §C.1.1: the URL to SETUP a media section: `control` resolved against `base` (the
// Content-Base or Content-Location of the DESCRIBE reply, else the request URL). Absolute
// controls (any "scheme://...") are used as they are; "*" or empty means `base` itself; a
// relative control is appended to `base` with exactly one '/' between them, even after a query
// string ("rtsp://h/s?ch=1" + "trackID=1" -> "rtsp://h/s?ch=1/trackID=1"), which is what cameras
// expect rather than RFC 3986 resolution. Pure; thread-safe.
std::string ResolveControl(std::string_view base, std::string_view control);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_SDP_H_
