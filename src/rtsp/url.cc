#include "rtsp/url.h"

#include "base/strings.h"

namespace nightjar::rtsp {
namespace {

// RFC 3986 §2.1 percent-decoding of userinfo.
Result<std::string> DecodeUserinfo(std::string_view s, const char* what) {
  auto out = PercentDecode(s);
  if (!out) return Err(ErrorCode::kInvalidArgument, std::string("bad %-escape in ") + what);
  return out;
}

// host, IPv4 or [IPv6] literal, then an optional ":port".
Result<void> ParseHostPort(std::string_view hostport, RtspUrl& url) {
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return Err(ErrorCode::kInvalidArgument, "IPv6 literal without ']' in RTSP URL");
    }
    url.host = std::string(hostport.substr(1, close - 1));
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return Err(ErrorCode::kInvalidArgument, "junk after IPv6 literal in RTSP URL");
    }
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = hostport.find(':');
    if (colon != std::string_view::npos && hostport.find(':', colon + 1) != hostport.npos) {
      return Err(ErrorCode::kInvalidArgument, "IPv6 address in RTSP URL needs brackets");
    }
    url.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (url.host.empty()) return Err(ErrorCode::kInvalidArgument, "RTSP URL without a host");
  if (!port.empty()) {  // an empty port after ':' means the default (RFC 3986 §3.2.3)
    auto n = ParseInt64(port, 1, 65535);
    if (!n) {
      return Err(ErrorCode::kInvalidArgument, "bad port in RTSP URL: " + std::string(port));
    }
    url.port = static_cast<uint16_t>(*n);
  }
  return Ok();
}

}  // namespace

std::string RtspUrl::WithoutCredentials() const {
  std::string out = "rtsp://";
  bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  if (port != 554) out += ":" + std::to_string(port);
  out += path_and_query;
  return out;
}

Result<RtspUrl> ParseRtspUrl(std::string_view text) {
  text = Trim(text);
  constexpr std::string_view kScheme = "rtsp://";
  if (!StartsWithIgnoreCase(text, kScheme)) {
    size_t colon = text.find(':');
    return Err(
        ErrorCode::kInvalidArgument,
        "URL scheme is not rtsp: " + std::string(text.substr(0, colon == text.npos ? 16 : colon)));
  }
  text.remove_prefix(kScheme.size());
  size_t end = text.find_first_of("/?");
  std::string_view authority = text.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : text.substr(end);

  RtspUrl url;
  // The last '@' ends the userinfo, so an unescaped '@' in a password still works.
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    auto colon = SplitOnce(userinfo, ':');
    NJ_TRY(url.username, DecodeUserinfo(colon ? colon->first : userinfo, "user name"));
    if (colon) {
      NJ_TRY(url.password, DecodeUserinfo(colon->second, "password"));
    }
    authority.remove_prefix(at + 1);
  }
  NJ_CHECK_OK(ParseHostPort(authority, url));
  if (rest.empty()) {
    url.path_and_query = "/";
  } else if (rest.front() == '?') {
    url.path_and_query = "/" + std::string(rest);
  } else {
    url.path_and_query = std::string(rest);
  }
  return url;
}

}  // namespace nightjar::rtsp
