#include "rtsp/sdp.h"

#include <cctype>
#include <charconv>

#include "base/strings.h"

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

namespace {

constexpr size_t kMaxMedia = 64;

// Splits on CRLF, LF or a bare CR (cameras use all three).
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// "96 H264/90000" style attribute value: the payload type and what follows it, if the type is
// `pt`.
std::optional<std::string_view> ForPayloadType(std::string_view value, int pt) {
  value = Trim(value);
  size_t end = value.find_first_of(" \t");
  if (end == std::string_view::npos) return std::nullopt;
  auto n = ParseInt64(value.substr(0, end), 0, 127);
  if (!n || *n != pt) return std::nullopt;
  return Trim(value.substr(end));
}

// a=rtpmap:<pt> <encoding>/<clock>[/<channels>] (RFC 8866 §6.6).
void ApplyRtpmap(std::string_view value, SdpMediaDescription& m) {
  auto rest = ForPayloadType(value, m.payload_type);
  if (!rest) return;
  std::vector<std::string_view> parts = Split(*rest, '/');
  m.encoding.clear();
  for (char c : Trim(parts[0])) m.encoding += static_cast<char>(std::toupper(c));
  if (parts.size() > 1) {
    if (auto clock = ParseInt64(Trim(parts[1]), 1, UINT32_MAX)) {
      m.clock_rate = static_cast<uint32_t>(*clock);
    }
  }
  if (parts.size() > 2) {
    if (auto ch = ParseInt64(Trim(parts[2]), 1, 255)) m.channels = static_cast<uint32_t>(*ch);
  }
}

// a=fmtp:<pt> key=value;key=value (RFC 8866 §6.15); parameters of another type are ignored.
void ApplyFmtp(std::string_view value, SdpMediaDescription& m) {
  auto rest = ForPayloadType(value, m.payload_type);
  if (!rest) return;
  for (std::string_view param : Split(*rest, ';')) {
    param = Trim(param);
    if (param.empty()) continue;
    auto kv = SplitOnce(param, '=');
    std::string key = AsciiToLower(Trim(kv ? kv->first : param));
    if (key.empty()) continue;
    m.fmtp[key] = std::string(kv ? Trim(kv->second) : std::string_view());
  }
}

std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !(v > 0) || v > 1e6) return std::nullopt;
  return v;
}

// "m=<media> <port>[/<n>] <proto> <fmt> ..." (RFC 8866 §5.14).
Result<SdpMediaDescription> ParseMediaLine(std::string_view value) {
  std::vector<std::string_view> words = Words(value);
  if (words.size() < 4) {
    return Err(ErrorCode::kMalformed,
               "SDP media line without a format: " + std::string(value.substr(0, 80)));
  }
  SdpMediaDescription m;
  m.media = AsciiToLower(words[0]);
  m.protocol = std::string(words[2]);
  if (auto pt = ParseInt64(words[3], 0, 127)) m.payload_type = static_cast<int>(*pt);
  return m;
}

// The RFC 3551 §6 static payload types cameras use without an rtpmap.
void ApplyStaticPayloadType(SdpMediaDescription& m) {
  if (!m.encoding.empty()) return;
  if (m.payload_type == 0) m.encoding = "PCMU";
  if (m.payload_type == 8) m.encoding = "PCMA";
  if (!m.encoding.empty() && m.clock_rate == 0) m.clock_rate = 8000;
}

void ApplyAttribute(std::string_view attr, SdpDescription& d, SdpMediaDescription* m) {
  auto kv = SplitOnce(attr, ':');
  std::string_view name = Trim(kv ? kv->first : attr);
  std::string_view value = kv ? Trim(kv->second) : std::string_view();
  if (EqualsIgnoreCase(name, "control")) {
    (m ? m->control : d.session_control) = std::string(value);
  } else if (m == nullptr) {
    return;
  } else if (EqualsIgnoreCase(name, "rtpmap")) {
    ApplyRtpmap(value, *m);
  } else if (EqualsIgnoreCase(name, "fmtp")) {
    ApplyFmtp(value, *m);
  } else if (EqualsIgnoreCase(name, "framerate")) {
    m->framerate = ParseDouble(value);
  }
}

}  // namespace

Result<SdpDescription> ParseSdp(std::string_view text) {
  SdpDescription d;
  bool skipping = false;  // inside a media section beyond kMaxMedia
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.size() < 2 || line[1] != '=') continue;  // blank or not "x=": ignore
    const char type = line[0];
    const std::string_view value = Trim(line.substr(2));
    if (type == 'm') {
      NJ_TRY(SdpMediaDescription m, ParseMediaLine(value));
      if (!d.media.empty()) ApplyStaticPayloadType(d.media.back());
      skipping = d.media.size() >= kMaxMedia;
      if (!skipping) d.media.push_back(std::move(m));
    } else if (skipping) {
      continue;
    } else if (type == 's' && d.media.empty()) {
      d.session_name = std::string(value);
    } else if (type == 'a') {
      ApplyAttribute(value, d, d.media.empty() ? nullptr : &d.media.back());
    }
  }
  if (d.media.empty()) return Err(ErrorCode::kMalformed, "SDP without a media line");
  ApplyStaticPayloadType(d.media.back());
  return d;
}

std::string ResolveControl(std::string_view base, std::string_view control) {
  control = Trim(control);
  if (control.empty() || control == "*") return std::string(base);
  // Absolute: any "scheme://" (rtsp, rtsps, rtspu; some cameras answer with their own scheme).
  size_t colon = control.find("://");
  if (colon != std::string_view::npos && colon > 0 &&
      control.substr(0, colon).find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") ==
          std::string_view::npos) {
    return std::string(control);
  }
  while (!control.empty() && control.front() == '/') control.remove_prefix(1);
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url(base);
  url += '/';
  url += control;
  return url;
}

}  // namespace nightjar::rtsp
