// rtsp:// URLs (RFC 2326 §3.2) as camera configurations write them: optional user:password@
// (percent-encoded), host name, IPv4 or [IPv6] literal, optional port (default 554), path and
// query. I/O-free.
#ifndef NIGHTJAR_RTSP_URL_H_
#define NIGHTJAR_RTSP_URL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace nightjar::rtsp {

struct RtspUrl {
  std::string host;  // without brackets for IPv6
  uint16_t port = 554;
  std::string path_and_query;                     // starts with '/', "/" when absent
  std::optional<std::string> username, password;  // percent-decoded

  // The URL without credentials, as requests carry it: "rtsp://host[:port]/path?query".
  std::string WithoutCredentials() const;
};

// Fails with kInvalidArgument naming what is wrong (scheme other than rtsp, including rtsps; empty
// host; bad port; a bad %-escape; an IPv6 address without brackets). The userinfo ends at the
// last '@' before the path, so an unescaped '@' in a password is tolerated; ':' and '/' in a
// password must be %-encoded. An empty port (":" alone) means 554.
Result<RtspUrl> ParseRtspUrl(std::string_view url);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_URL_H_
