// The pure half of probe.h: what a decoder configuration says, and a failed session's error in
// plain words. The client's errors (rtsp/client.cc) carry an ErrorCode and a message naming the
// step ("connecting to host:port: ...", "DESCRIBE failed: 404 Not Found"); both are read here.
#include <algorithm>
#include <string>

#include "codec/h264.h"
#include "codec/h265.h"
#include "ingest/probe.h"

namespace nightjar::ingest {
namespace {

bool Has(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

ProbeFailure Unreachable(const Error& e) {
  const std::string& m = e.message();
  std::string why = "the connection failed";
  if (m.starts_with("cannot resolve")) {
    why = "the host name does not resolve";
  } else if (Has(m, "refused")) {
    why = "the connection was refused (nothing listens on that port)";
  } else if (Has(m, "o route") || Has(m, "nreachable")) {
    why = "there is no route to the host";
  } else if (e.code() == ErrorCode::kTimeout) {
    why = "the connection timed out (no answer from the host)";
  }
  return {"unreachable", "The camera is unreachable: " + why + ".", ""};
}

}  // namespace

std::string PrintableReason(std::string why) {
  for (char& ch : why) {
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ch = '?';
  }
  if (why.size() > 300) why = why.substr(0, 300) + "...";
  return why;
}

ProbeFailure DescribeProbeFailure(const Error& error, bool playing) {
  const std::string& m = error.message();
  ProbeFailure f;
  // Connect() names its step "connecting to host:port"; the watchdog's timeout says "no <step>
  // within N s" (rtsp/client_media.cc).
  const bool connecting = m.starts_with("connecting to") || m.starts_with("no connecting to") ||
                          m.starts_with("cannot resolve");
  switch (error.code()) {
    case ErrorCode::kPermissionDenied:
      f = Has(m, "requires a username")
              ? ProbeFailure{"auth_required", "The camera requires a username and password.", ""}
              : ProbeFailure{"wrong_credentials",
                             "Wrong username or password: the camera refused them.", ""};
      break;
    case ErrorCode::kNotFound:
      f = connecting
              ? Unreachable(error)
              : ProbeFailure{"stream_not_found",
                             "The camera has no stream at this path (check the URL's path).", ""};
      break;
    case ErrorCode::kUnsupported:
      if (Has(m, "no recordable video track")) {
        const size_t semi = m.find(';');
        const std::string offered = semi == std::string::npos ? "" : m.substr(semi + 1);
        f = {"unsupported_codec",
             "The camera sends no H.264 or H.265 video, which Nightjar records;" + offered + ".",
             ""};
      } else {
        f = {"camera_error", "The camera refused the stream's setup (try the other transport).",
             ""};
      }
      break;
    case ErrorCode::kMalformed:
      f = Has(m, "SDP")
              ? ProbeFailure{"camera_error", "The camera's stream description (SDP) is unreadable.",
                             ""}
              : ProbeFailure{"not_rtsp", "Something answered, but it does not speak RTSP.", ""};
      break;
    case ErrorCode::kClosed:
    case ErrorCode::kTimeout:
      if (connecting) {
        f = Unreachable(error);
      } else if (playing) {
        f = {"no_video", "The camera accepted the stream but sent no video.", ""};
      } else if (error.code() == ErrorCode::kTimeout) {
        f = {"timeout", "The camera stopped answering during the RTSP exchange.", ""};
      } else {
        f = {"not_rtsp",
             "The server closed the connection without an RTSP answer (is it an RTSP server? "
             "cameras also do this when all their connections are in use).",
             ""};
      }
      break;
    default:
      f = {"camera_error", "The camera refused the connection.", ""};
  }
  f.detail = PrintableReason(error.ToString());
  return f;
}

ProbeFailure BudgetFailure(bool playing, std::chrono::milliseconds budget) {
  const std::string secs = std::to_string(budget.count() / 1000) + " s";
  if (playing) {
    return {"no_video", "No video came within " + secs + " (no key frame).",
            "no key frame within " + secs};
  }
  return {"timeout", "The camera did not finish the RTSP exchange within " + secs + ".",
          "no PLAY within " + secs};
}

std::string H264ProfileName(uint8_t profile_idc, uint8_t constraint_flags) {
  switch (profile_idc) {
    case 66:
      return (constraint_flags & 0x40) ? "Constrained Baseline" : "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return "High 10";
    case 122:
      return "High 4:2:2";
    case 244:
      return "High 4:4:4 Predictive";
    default:
      return "profile " + std::to_string(profile_idc);
  }
}

std::string H265ProfileName(uint8_t general_profile_idc) {
  switch (general_profile_idc) {
    case 1:
      return "Main";
    case 2:
      return "Main 10";
    case 3:
      return "Main Still Picture";
    case 4:
      return "Range Extensions";
    default:
      return "profile " + std::to_string(general_profile_idc);
  }
}

ProbeVideo DescribeVideo(const rtsp::TrackConfig& c) {
  ProbeVideo v;
  v.rfc6381 = c.codec;
  v.width = c.width;
  v.height = c.height;
  std::optional<codec::Rational> rate;
  if (c.codec.starts_with("avc1")) {
    v.codec = "H.264";
    auto avcc = codec::ParseAvcC(c.config);
    if (avcc && !avcc->sps.empty()) {
      if (auto sps = codec::ParseH264Sps(avcc->sps.front())) {
        v.profile = H264ProfileName(sps->profile_idc, sps->constraint_flags);
        rate = sps->frame_rate;
      }
    }
  } else if (c.codec.starts_with("hvc1") || c.codec.starts_with("hev1")) {
    v.codec = "H.265";
    auto hvcc = codec::ParseHvcC(c.config);
    if (hvcc) {
      auto nals = hvcc->NalUnitsOfType(33);
      if (!nals.empty()) {
        if (auto sps = codec::ParseH265Sps(nals.front())) {
          v.profile = H265ProfileName(sps->profile_tier_level.general_profile_idc);
          rate = sps->frame_rate;
          if (rate && sps->field_seq_flag) rate->den *= 2;
        }
      }
    }
  } else {
    v.codec = c.codec;
  }
  if (rate && rate->num > 0 && rate->ToDouble() <= 1000) {
    v.fps = rate->ToDouble();
    v.fps_source = "sps";
  }
  return v;
}

ProbeAudio DescribeAudio(const rtsp::TrackConfig& c) {
  ProbeAudio a;
  a.rfc6381 = c.codec;
  a.sample_rate = c.clock_rate;
  a.channels = c.channels;
  if (c.codec.starts_with("mp4a")) {
    a.codec = "AAC";
  } else if (c.codec == "ulaw") {
    a.codec = "G.711 µ-law";
  } else if (c.codec == "alaw") {
    a.codec = "G.711 A-law";
  } else {
    a.codec = c.codec;
  }
  return a;
}

double FpsFromTimestamps(std::span<const int64_t> timestamps, uint32_t clock_rate) {
  if (timestamps.size() < 2 || clock_rate == 0) return 0;
  const auto [lo, hi] = std::minmax_element(timestamps.begin(), timestamps.end());
  const int64_t span = *hi - *lo;
  if (span <= 0) return 0;
  return static_cast<double>(timestamps.size() - 1) * clock_rate / static_cast<double>(span);
}

}  // namespace nightjar::ingest
