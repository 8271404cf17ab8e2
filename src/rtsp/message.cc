#include "rtsp/message.h"

#include <algorithm>
#include <charconv>

#include "base/strings.h"

namespace nightjar::rtsp {
namespace {

constexpr std::string_view kVersion = "RTSP/1.0";

// Finds the end of the header block ("\r\n\r\n", tolerating bare "\n\n" from sloppy cameras).
// Returns the offset just past it, or 0 if not present yet.
size_t FindHeaderEnd(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n') continue;
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
  }
  return 0;
}

std::vector<std::string_view> SplitLines(std::string_view block) {
  std::vector<std::string_view> lines;
  while (!block.empty()) {
    size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    block.remove_prefix(nl + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

Result<Headers> ParseHeaderLines(std::span<const std::string_view> lines,
                                 const ParseLimits& limits) {
  if (lines.size() > limits.max_headers) {
    return Err(ErrorCode::kMalformed, "too many RTSP header fields");
  }
  Headers headers;
  for (std::string_view line : lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !headers.fields().empty()) {
      // Obsolete line folding (RFC 2326 §4.2 via RFC 2616 §2.2): append to the previous value.
      auto& last = const_cast<std::string&>(headers.fields().back().second);
      last += ' ';
      last += Trim(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Err(ErrorCode::kMalformed,
                 "RTSP header line without a name: '" + std::string(line.substr(0, 64)) + "'");
    }
    headers.Add(std::string(Trim(line.substr(0, colon))),
                std::string(Trim(line.substr(colon + 1))));
  }
  return headers;
}

Result<size_t> ContentLength(const Headers& headers, const ParseLimits& limits) {
  auto value = headers.Get("Content-Length");
  if (!value) return size_t{0};
  auto n = ParseInt64(*value, 0, static_cast<int64_t>(limits.max_body_bytes));
  if (!n) return Err(ErrorCode::kMalformed, "bad RTSP Content-Length: " + n.error().message());
  return static_cast<size_t>(*n);
}

int64_t CSeqOf(const Headers& headers) {
  auto value = headers.Get("CSeq");
  if (!value) return -1;
  auto n = ParseInt64(*value, 0, INT64_MAX);
  return n ? *n : -1;
}

// Parses the start line and headers of `head` (everything before the blank line).
Result<StreamItem> ParseHead(std::string_view head, const ParseLimits& limits) {
  auto lines = SplitLines(head);
  if (lines.empty()) return Err(ErrorCode::kMalformed, "empty RTSP message");
  NJ_TRY(Headers headers, ParseHeaderLines(std::span(lines).subspan(1), limits));
  std::string_view first = lines[0];
  StreamItem item;
  if (first.starts_with("RTSP/")) {
    // Status-Line = RTSP-Version SP Status-Code SP Reason-Phrase
    size_t sp1 = first.find(' ');
    if (sp1 == std::string_view::npos) return Err(ErrorCode::kMalformed, "bad RTSP status line");
    std::string_view rest = first.substr(sp1 + 1);
    size_t sp2 = rest.find(' ');
    auto status = ParseInt64(rest.substr(0, sp2), 100, 999);
    if (!status)
      return Err(ErrorCode::kMalformed,
                 "bad RTSP status code in '" + std::string(first.substr(0, 64)) + "'");
    item.kind = StreamItem::Kind::kResponse;
    item.response.status = static_cast<int>(*status);
    if (sp2 != std::string_view::npos) item.response.reason = std::string(rest.substr(sp2 + 1));
    item.response.cseq = CSeqOf(headers);
    item.response.headers = std::move(headers);
    return item;
  }
  // Request-Line = Method SP Request-URI SP RTSP-Version
  size_t sp1 = first.find(' ');
  size_t sp2 = first.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || first.substr(sp2 + 1) != kVersion) {
    return Err(ErrorCode::kMalformed,
               "bad RTSP request line '" + std::string(first.substr(0, 64)) + "'");
  }
  std::string_view method = first.substr(0, sp1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
      })) {
    return Err(ErrorCode::kMalformed,
               "bad RTSP method '" + std::string(method.substr(0, 32)) + "'");
  }
  item.kind = StreamItem::Kind::kRequest;
  item.request.method = std::string(method);
  item.request.uri = std::string(Trim(first.substr(sp1 + 1, sp2 - sp1 - 1)));
  item.request.cseq = CSeqOf(headers);
  if (item.request.cseq < 0) return Err(ErrorCode::kMalformed, "RTSP request without CSeq");
  item.request.headers = std::move(headers);
  return item;
}

void AppendHeaders(std::string& out, const Headers& headers, const std::string& body) {
  for (const auto& [name, value] : headers.fields()) {
    if (!body.empty() && EqualsIgnoreCase(name, "Content-Length")) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!body.empty()) {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}

Result<std::pair<int, int>> ParsePortPair(std::string_view v) {
  size_t dash = v.find('-');
  auto a = ParseInt64(v.substr(0, dash), 0, 65535);
  if (!a) return Err(a.error());
  int b = static_cast<int>(*a) + 1;
  if (dash != std::string_view::npos) {
    auto bb = ParseInt64(v.substr(dash + 1), 0, 65535);
    if (!bb) return Err(bb.error());
    b = static_cast<int>(*bb);
  }
  return std::pair<int, int>{static_cast<int>(*a), b};
}

}  // namespace

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const auto& f) { return EqualsIgnoreCase(f.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

std::string Serialize(const Request& request) {
  std::string out = request.method + " " + request.uri + " RTSP/1.0\r\n";
  AppendHeaders(out, request.headers, request.body);
  return out;
}

std::string Serialize(const Response& response) {
  std::string out = "RTSP/1.0 " + std::to_string(response.status) + " ";
  out += response.reason.empty() ? std::string(ReasonPhrase(response.status)) : response.reason;
  out += "\r\n";
  AppendHeaders(out, response.headers, response.body);
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 454:
      return "Session Not Found";
    case 455:
      return "Method Not Valid in This State";
    case 459:
      return "Aggregate Operation Not Allowed";
    case 461:
      return "Unsupported Transport";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "RTSP Version Not Supported";
    default:
      return status < 300 ? "OK" : "Error";
  }
}

Result<StreamItem> ParseStreamItem(std::span<const uint8_t> data, const ParseLimits& limits) {
  StreamItem item;
  if (data.empty()) return item;
  if (data[0] == '$') {
    if (data.size() < 4) return item;
    size_t len = (size_t{data[2]} << 8) | data[3];
    if (data.size() < 4 + len) return item;
    item.kind = StreamItem::Kind::kInterleaved;
    item.frame.channel = data[1];
    item.frame.payload = data.subspan(4, len);
    item.consumed = 4 + len;
    return item;
  }
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  size_t head_end = FindHeaderEnd(text.substr(0, limits.max_header_bytes + 4));
  if (head_end == 0) {
    if (data.size() > limits.max_header_bytes) {
      return Err(ErrorCode::kMalformed,
                 "RTSP header block exceeds " + std::to_string(limits.max_header_bytes) + " bytes");
    }
    // Fail early on binary junk instead of waiting for a blank line that will never come.
    if (!(text[0] >= 'A' && text[0] <= 'Z')) {
      return Err(ErrorCode::kMalformed, "data is neither an RTSP message nor interleaved");
    }
    return item;
  }
  NJ_TRY(item, ParseHead(text.substr(0, head_end), limits));
  const Headers& headers =
      item.kind == StreamItem::Kind::kRequest ? item.request.headers : item.response.headers;
  NJ_TRY(size_t body_len, ContentLength(headers, limits));
  if (text.size() < head_end + body_len) return StreamItem{};
  std::string body(text.substr(head_end, body_len));
  if (item.kind == StreamItem::Kind::kRequest) {
    item.request.body = std::move(body);
  } else {
    item.response.body = std::move(body);
  }
  item.consumed = head_end + body_len;
  return item;
}

Result<Request> ParseRequest(std::string_view text, const ParseLimits& limits) {
  NJ_TRY(StreamItem item,
         ParseStreamItem(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                         limits));
  if (item.kind != StreamItem::Kind::kRequest) {
    return Err(ErrorCode::kMalformed, "not a complete RTSP request");
  }
  return std::move(item.request);
}

Result<Response> ParseResponse(std::string_view text, const ParseLimits& limits) {
  NJ_TRY(StreamItem item,
         ParseStreamItem(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                         limits));
  if (item.kind != StreamItem::Kind::kResponse) {
    return Err(ErrorCode::kMalformed, "not a complete RTSP response");
  }
  return std::move(item.response);
}

Result<std::vector<TransportSpec>> ParseTransport(std::string_view value) {
  std::vector<TransportSpec> specs;
  for (std::string_view spec_text : Split(value, ',')) {
    auto params = Split(spec_text, ';');
    if (params.empty()) continue;
    TransportSpec spec;
    std::string_view proto = Trim(params[0]);
    if (EqualsIgnoreCase(proto, "RTP/AVP/TCP")) {
      spec.tcp = true;
    } else if (!EqualsIgnoreCase(proto, "RTP/AVP") && !EqualsIgnoreCase(proto, "RTP/AVP/UDP")) {
      continue;  // e.g. RTP/SAVP: skip to the next alternative
    }
    for (size_t i = 1; i < params.size(); ++i) {
      std::string_view p = Trim(params[i]);
      size_t eq = p.find('=');
      std::string_view key = p.substr(0, eq);
      std::string_view val = eq == std::string_view::npos ? "" : Trim(p.substr(eq + 1));
      if (EqualsIgnoreCase(key, "unicast")) {
        spec.unicast = true;
      } else if (EqualsIgnoreCase(key, "multicast")) {
        spec.unicast = false;
      } else if (EqualsIgnoreCase(key, "interleaved")) {
        NJ_TRY(spec.interleaved, ParsePortPair(val));
      } else if (EqualsIgnoreCase(key, "client_port")) {
        NJ_TRY(spec.client_port, ParsePortPair(val));
      } else if (EqualsIgnoreCase(key, "server_port")) {
        NJ_TRY(spec.server_port, ParsePortPair(val));
      } else if (EqualsIgnoreCase(key, "ssrc")) {
        uint32_t ssrc = 0;
        auto [ptr, ec] = std::from_chars(val.data(), val.data() + val.size(), ssrc, 16);
        if (ec == std::errc()) spec.ssrc = ssrc;
      } else if (EqualsIgnoreCase(key, "mode")) {
        spec.mode = std::string(val);
      }
    }
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) {
    return Err(ErrorCode::kUnsupported,
               "no supported transport in '" + std::string(value.substr(0, 128)) + "'");
  }
  return specs;
}

std::string FormatTransport(const TransportSpec& spec) {
  std::string out = spec.tcp ? "RTP/AVP/TCP" : "RTP/AVP";
  out += spec.unicast ? ";unicast" : ";multicast";
  auto pair = [&](const char* name, const std::pair<int, int>& p) {
    out += ';';
    out += name;
    out += '=' + std::to_string(p.first) + '-' + std::to_string(p.second);
  };
  if (spec.interleaved) pair("interleaved", *spec.interleaved);
  if (spec.client_port) pair("client_port", *spec.client_port);
  if (spec.server_port) pair("server_port", *spec.server_port);
  if (spec.ssrc) {
    char buf[9];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), *spec.ssrc, 16);
    out += ";ssrc=";
    out.append(8 - (end - buf), '0');
    out.append(buf, end);
  }
  if (!spec.mode.empty()) out += ";mode=" + spec.mode;
  return out;
}

Result<SessionHeader> ParseSession(std::string_view value) {
  auto parts = Split(value, ';');
  SessionHeader session;
  if (parts.empty() || Trim(parts[0]).empty()) {
    return Err(ErrorCode::kMalformed, "empty RTSP Session header");
  }
  session.id = std::string(Trim(parts[0]));
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = Trim(parts[i]);
    if (p.size() > 8 && EqualsIgnoreCase(p.substr(0, 8), "timeout=")) {
      auto t = ParseInt64(p.substr(8), 1, 86400);
      if (t) session.timeout_secs = static_cast<int>(*t);
    }
  }
  return session;
}

}  // namespace nightjar::rtsp
