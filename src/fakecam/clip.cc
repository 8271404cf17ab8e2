#include "fakecam/clip.h"

#include <cstdio>

#include "base/base64.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "mp4/demux.h"

namespace nightjar::fakecam {
namespace {

constexpr uint64_t kMaxClipBytes = 1ULL << 30;
constexpr int kVideoPayloadType = 96;
constexpr int kAudioPayloadType = 97;

int64_t Rescale(int64_t v, int64_t from, int64_t to) {
  return static_cast<int64_t>(static_cast<__int128>(v) * to / from);
}

struct VideoParams {
  codec::VideoCodec codec;
  int length_size;
  std::vector<std::vector<uint8_t>> parameter_sets;  // in the order a decoder needs them
  rtsp::SdpMedia sdp;
};

std::string JoinBase64(const std::vector<std::vector<uint8_t>>& nals) {
  std::string out;
  for (const auto& n : nals) {
    if (!out.empty()) out += ',';
    out += Base64Encode(n);
  }
  return out;
}

// SDP for H.264 per RFC 6184 §8.1 and for H.265 per RFC 7798 §7.1.
Result<VideoParams> ReadVideoParams(const mp4::DemuxedTrack& t) {
  VideoParams p;
  p.sdp.media = "video";
  p.sdp.payload_type = kVideoPayloadType;
  if (t.format == "avc1" || t.format == "avc3") {
    NJ_TRY(codec::AvcDecoderConfig c, codec::ParseAvcC(t.codec_config));
    if (c.sps.empty() || c.pps.empty()) {
      return Err(ErrorCode::kUnsupported, "avcC without SPS/PPS (parameter sets only in-band)");
    }
    p.codec = codec::VideoCodec::kH264;
    p.length_size = c.length_size_minus_one + 1;
    p.parameter_sets = c.sps;
    p.parameter_sets.insert(p.parameter_sets.end(), c.pps.begin(), c.pps.end());
    char pli[7];
    std::snprintf(pli, sizeof(pli), "%02X%02X%02X", c.sps[0].size() > 1 ? c.sps[0][1] : 0,
                  c.sps[0].size() > 2 ? c.sps[0][2] : 0, c.sps[0].size() > 3 ? c.sps[0][3] : 0);
    p.sdp.encoding = "H264/90000";
    p.sdp.fmtp = "packetization-mode=1;profile-level-id=" + std::string(pli) +
                 ";sprop-parameter-sets=" + JoinBase64(c.sps) + "," + JoinBase64(c.pps);
    return p;
  }
  if (t.format == "hvc1" || t.format == "hev1") {
    NJ_TRY(codec::HevcDecoderConfig c, codec::ParseHvcC(t.codec_config));
    auto nals = [&c](uint8_t type) {
      std::vector<std::vector<uint8_t>> out;
      for (auto n : c.NalUnitsOfType(type)) out.emplace_back(n.begin(), n.end());
      return out;
    };
    auto vps = nals(32), sps = nals(33), pps = nals(34);  // H.265 Table 7-1
    if (vps.empty() || sps.empty() || pps.empty()) {
      return Err(ErrorCode::kUnsupported, "hvcC without VPS/SPS/PPS");
    }
    p.codec = codec::VideoCodec::kH265;
    p.length_size = c.length_size_minus_one + 1;
    p.parameter_sets = vps;
    p.parameter_sets.insert(p.parameter_sets.end(), sps.begin(), sps.end());
    p.parameter_sets.insert(p.parameter_sets.end(), pps.begin(), pps.end());
    p.sdp.encoding = "H265/90000";
    p.sdp.fmtp = "sprop-vps=" + JoinBase64(vps) + ";sprop-sps=" + JoinBase64(sps) +
                 ";sprop-pps=" + JoinBase64(pps);
    return p;
  }
  return Err(ErrorCode::kUnsupported, "video format '" + t.format + "' (need avc1 or hvc1)");
}

bool IsAud(codec::VideoCodec c, std::span<const uint8_t> nal) {
  return codec::NalType(c, nal) ==
         (c == codec::VideoCodec::kH264 ? codec::kH264NalAud : codec::kH265NalAud);
}

void Packetize(codec::VideoCodec c, std::span<const std::span<const uint8_t>> nals,
               size_t max_payload, PreparedTrack& out) {
  if (c == codec::VideoCodec::kH264) {
    rtsp::PacketizeH264(nals, max_payload, out.arena, out.packets);
  } else {
    rtsp::PacketizeH265(nals, max_payload, out.arena, out.packets);
  }
}

Result<PreparedTrack> PrepareVideo(const mp4::DemuxedTrack& t, std::span<const uint8_t> file,
                                   size_t max_payload) {
  NJ_TRY(VideoParams params, ReadVideoParams(t));
  if (t.samples.empty() || !t.samples[0].key) {
    return Err(ErrorCode::kUnsupported, "the video track must start with a key frame");
  }
  PreparedTrack out;
  out.server_track = {params.sdp, 90000};
  out.video_codec = params.codec;
  std::vector<std::span<const uint8_t>> nals;
  for (const mp4::DemuxedSample& s : t.samples) {
    NJ_TRY(auto sample_nals,
           codec::SplitLengthPrefixed(file.subspan(s.offset, s.size), params.length_size));
    nals.clear();
    bool has_parameter_sets = false;
    for (auto n : sample_nals) has_parameter_sets |= codec::IsParameterSetNal(params.codec, n);
    if (s.key && !has_parameter_sets) {
      for (const auto& ps : params.parameter_sets) nals.emplace_back(ps);
    }
    nals.insert(nals.end(), sample_nals.begin(), sample_nals.end());
    PreparedFrame f;
    f.dts = Rescale(s.dts, t.timescale, 90000);
    f.pts = Rescale(s.pts, t.timescale, 90000);
    f.key = s.key;
    f.first_packet = static_cast<uint32_t>(out.packets.size());
    std::span<const std::span<const uint8_t>> rest(nals);
    if (!rest.empty() && IsAud(params.codec, rest[0]) && rest.size() > 1) {
      // The delimiter in a packet of its own, so that a stamp can follow it.
      Packetize(params.codec, rest.first(1), max_payload, out);
      out.packets.back().marker = false;
      rest = rest.subspan(1);
      f.stamp_at = 1;
    }
    Packetize(params.codec, rest, max_payload, out);
    f.packet_count = static_cast<uint32_t>(out.packets.size()) - f.first_packet;
    out.frames.push_back(f);
  }
  const auto& last = t.samples.back();
  out.period = Rescale(last.dts + last.duration, t.timescale, 90000);
  return out;
}

// AAC per RFC 3640 (mpeg4-generic, AAC-hbr). Frames past `period_90k` are dropped so audio and
// video loop together.
Result<PreparedTrack> PrepareAudio(const mp4::DemuxedTrack& t, std::span<const uint8_t> file,
                                   int64_t period_90k, size_t max_payload) {
  if (t.format != "mp4a" || t.codec_config.empty() || t.sample_rate == 0) {
    return Err(ErrorCode::kUnsupported, "audio format '" + t.format + "' (need AAC)");
  }
  PreparedTrack out;
  const uint32_t rate = t.sample_rate;
  rtsp::SdpMedia m;
  m.media = "audio";
  m.payload_type = kAudioPayloadType;
  m.encoding = "MPEG4-GENERIC/" + std::to_string(rate) + "/" + std::to_string(t.channels);
  m.fmtp =
      "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
      "indexdeltalength=3;config=" +
      HexEncode(t.codec_config);
  out.server_track = {m, rate};
  out.period = Rescale(period_90k, 90000, rate);
  for (const mp4::DemuxedSample& s : t.samples) {
    PreparedFrame f;
    f.dts = f.pts = Rescale(s.dts, t.timescale, rate);
    if (f.dts >= out.period) break;
    if (s.size > 8191) return Err(ErrorCode::kUnsupported, "AAC frame over 8191 bytes");
    f.key = true;
    f.first_packet = static_cast<uint32_t>(out.packets.size());
    rtsp::PacketizeAac(file.subspan(s.offset, s.size), max_payload, out.arena, out.packets);
    f.packet_count = static_cast<uint32_t>(out.packets.size()) - f.first_packet;
    out.frames.push_back(f);
  }
  return out;
}

std::string Stem(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return base.substr(0, base.rfind('.'));
}

}  // namespace

Result<std::shared_ptr<const Clip>> LoadClip(Fs& fs, const std::string& path, size_t max_payload) {
  NJ_TRY(std::string data, ReadFileToString(fs, path, kMaxClipBytes));
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  auto file = mp4::DemuxMp4(bytes);
  if (!file) return Err(file.error().Wrap(path));
  const mp4::DemuxedTrack* video = nullptr;
  const mp4::DemuxedTrack* audio = nullptr;
  for (const auto& t : file->tracks) {
    if (t.kind == mp4::DemuxedTrack::Kind::kVideo && !video) video = &t;
    if (t.kind == mp4::DemuxedTrack::Kind::kAudio && !audio) audio = &t;
  }
  if (!video) return Err(ErrorCode::kUnsupported, path + ": no video track");
  auto clip = std::make_shared<Clip>();
  clip->name = Stem(path);
  auto v = PrepareVideo(*video, bytes, max_payload);
  if (!v) return Err(v.error().Wrap(path));
  clip->tracks.push_back(std::move(*v));
  const PreparedTrack& vt = clip->tracks[0];
  clip->period_secs = static_cast<double>(vt.period) / 90000.0;
  uint64_t video_bytes = 0;
  for (const auto& s : video->samples) video_bytes += s.size;
  clip->video_bitrate = static_cast<uint64_t>(static_cast<double>(video_bytes) * 8 /
                                              std::max(clip->period_secs, 0.001));
  char desc[160];
  std::snprintf(desc, sizeof(desc), "%ux%u %s %.2f fps %.1f Mbit/s", video->width, video->height,
                video->format.starts_with("avc") ? "H.264" : "H.265",
                static_cast<double>(video->samples.size()) / std::max(clip->period_secs, 0.001),
                static_cast<double>(clip->video_bitrate) / 1e6);
  clip->description = desc;
  if (audio) {
    auto a = PrepareAudio(*audio, bytes, vt.period, max_payload);
    if (!a) return Err(a.error().Wrap(path));
    clip->tracks.push_back(std::move(*a));
    clip->description += " + AAC " + std::to_string(audio->sample_rate) + " Hz";
  }
  return std::shared_ptr<const Clip>(std::move(clip));
}

}  // namespace nightjar::fakecam
