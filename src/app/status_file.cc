#include "app/status_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace nightjar::app {
namespace {

// The length of the UTF-8 sequence starting at s[i] (RFC 3629 §4: no overlong forms, no
// surrogates, nothing past U+10FFFF), or 0 if the bytes there are not one.
size_t Utf8Length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size() || at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) return 0;
  }
  return n;
}

// `s` as a JSON string: quotes, backslashes and control characters escaped; a byte that does not
// start a UTF-8 sequence becomes U+FFFD (camera names and errors may hold anything).
void AppendString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8Length(s, i);
      if (n == 0) {
        out += "\xef\xbf\xbd";
        ++i;
      } else {
        out.append(s, i, n);
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void AppendStringOrNull(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "null";
  } else {
    AppendString(out, s);
  }
}

void AppendNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

// As PutTime (app/json_time.h): the local time for people, and the exact 90 kHz count.
// `indent`: the object's members' indentation.
void AppendTime(std::string& out, std::string_view indent, std::string_view key,
                std::optional<Time90k> t) {
  fmt::format_to(std::back_inserter(out), ",\n{}\"{}\": ", indent, key);
  AppendStringOrNull(out, t ? FormatTimeLocal(*t, 6) : std::string());
  fmt::format_to(std::back_inserter(out), ",\n{}\"{}_90k\": ", indent, key);
  if (t) {
    fmt::format_to(std::back_inserter(out), "{}", t->ticks());
  } else {
    out += "null";
  }
}

void AppendStream(std::string& out, const ingest::StreamStats& s) {
  auto key = [&out](std::string_view k) {
    fmt::format_to(std::back_inserter(out), ",\n      \"{}\": ", k);
  };
  out += "    {\n      \"camera\": ";
  AppendString(out, s.camera);
  key("stream");
  AppendString(out, s.kind);
  key("stream_id");
  fmt::format_to(std::back_inserter(out), "{}", s.stream_id);
  key("record");
  out += s.record ? "true" : "false";
  key("state");
  AppendString(out, ingest::StreamStateName(s.state));
  key("last_error");
  AppendStringOrNull(out, s.last_error);
  key("video_codec");
  AppendString(out, s.video_codec);
  key("audio_codec");
  AppendStringOrNull(out, s.audio_codec);
  key("transport");
  AppendStringOrNull(out, s.transport);
  const std::pair<std::string_view, uint64_t> counts[] = {{"sessions", s.sessions},
                                                          {"reconnects", s.reconnects},
                                                          {"width", s.width},
                                                          {"height", s.height},
                                                          {"frames", s.frames},
                                                          {"audio_frames", s.audio_frames},
                                                          {"bytes", s.bytes},
                                                          {"packets_lost", s.packets_lost},
                                                          {"frames_dropped", s.frames_dropped},
                                                          {"frames_recorded", s.frames_recorded},
                                                          {"frames_shed", s.frames_shed},
                                                          {"resyncs", s.resyncs},
                                                          {"skipped_bytes", s.skipped_bytes},
                                                          {"dropped_packets", s.dropped_packets},
                                                          {"rtp_restarts", s.rtp_restarts}};
  for (const auto& [k, v] : counts) {
    key(k);
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
  key("fps");
  AppendNumber(out, s.fps);
  key("bitrate_bps");
  AppendNumber(out, s.bitrate_bps);
  AppendTime(out, "      ", "since", s.since);
  AppendTime(out, "      ", "last_error_at",
             s.last_error.empty() ? std::nullopt : std::optional<Time90k>(s.last_error_at));
  out += "\n    }";
}

// Written as text directly (no JSON document is built): every 2 s, all streams.
std::string StreamStatusText(const std::vector<ingest::StreamStats>& stats, Time90k now) {
  std::string out;
  out.reserve(128 + stats.size() * 900);
  fmt::format_to(std::back_inserter(out), "{{\n  \"pid\": {}", static_cast<int64_t>(getpid()));
  AppendTime(out, "  ", "updated", now);
  out += ",\n  \"streams\": [";
  for (size_t i = 0; i < stats.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    AppendStream(out, stats[i]);
  }
  out += stats.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace

// Written without making the disk work every 2 s, and never where a reader may be reading. On
// ext4 (auto_da_alloc) a file renamed over another, or truncated to nothing, has its blocks
// allocated and written at once, so the usual "new file, rename over" cost a data write every
// time (the disk busy every 2 s of every day: wear on flash). And a file rewritten in place may
// still be open in a reader that opened it as `path` a write or two before (a slow `nightjar
// status`, a script), which would then read a mix of two documents. So each document gets a file
// of its own, written once, whole, before anyone can open it: the spare (`path`.tmp, which holds
// the status before last) is unlinked (a reader that has it open keeps reading it), created anew,
// written, then atomically exchanged with `path` (renameat2 RENAME_EXCHANGE, which ext4 does not
// flush). A file lives ~4 s, well under the kernel's 30 s before dirty pages are written back:
// its data never reaches the disk, only the journal's record of the two names. Where the file
// system cannot exchange (EINVAL) or nothing is there to exchange with yet, a plain rename.
void WriteStreamStatus(const std::string& path, const std::vector<ingest::StreamStats>& stats,
                       Time90k now) {
  const std::string text = StreamStatusText(stats, now);
  const std::string tmp = path + ".tmp";
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    spdlog::warn("cannot remove {}: {}", tmp, std::strerror(errno));
    return;
  }
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::warn("cannot write {}: {}", tmp, std::strerror(errno));
    return;
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const int saved = errno;
  ::close(fd);
  if (done < text.size()) {
    spdlog::warn("cannot write {}: {}", tmp, std::strerror(saved));
    ::unlink(tmp.c_str());
    return;
  }
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != ENOENT && errno != EINVAL) {
    spdlog::warn("cannot exchange {} and {}: {}", tmp, path, std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) spdlog::warn("cannot rename {}", tmp);
}

void RemoveStreamStatus(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink((path + ".tmp").c_str());
}

std::optional<nlohmann::json> ReadStreamStatus(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace nightjar::app
