// Fuzzes the depacketizers with whatever RTP payloads a camera sends. The first byte picks the
// codec and SDP parameters (valid sprop-parameter-sets / AAC configs or none); the rest is a
// sequence of packets, each a flags byte (bit 0 marker, bit 1 loss before, bits 2-3 timestamp
// step: same, +3000, +1, -3000), a 16-bit length and the payload.
// Invariants beyond "no crash": access units are at most 16 MiB; video access units are
// well-formed AVCC (4-byte lengths that exactly fill the data, at most 1024 NAL units); a new
// configuration only comes with a key frame (config() may already describe later parameter sets).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/base64.h"
#include "codec/codec_test_data.h"
#include "rtsp/depacketizer.h"
#include "rtsp/sdp.h"

namespace rtsp = nightjar::rtsp;
namespace td = nightjar::codec::testdata;

namespace {

template <size_t N>
std::string B64(const uint8_t (&bytes)[N]) {
  return nightjar::Base64Encode(std::span<const uint8_t>(bytes, N));
}

rtsp::SdpMediaDescription MediaFor(uint8_t selector) {
  rtsp::SdpMediaDescription m;
  m.payload_type = 96;
  m.clock_rate = 90000;
  const bool with_params = (selector & 0x10) != 0;
  switch (selector % 8) {
    case 0:
    case 1:
      m.encoding = "H264";
      if (with_params) {
        m.fmtp["sprop-parameter-sets"] = B64(td::kTinySps) + "," + B64(td::kTinyPps);
      }
      break;
    case 2:
    case 3:
      m.encoding = "H265";
      if (with_params) {
        m.fmtp["sprop-vps"] = B64(td::kX265Vps1080p);
        m.fmtp["sprop-sps"] = B64(td::kX265Sps1080p);
        m.fmtp["sprop-pps"] = B64(td::kX265Pps1080p);
      }
      break;
    case 4:
      m.encoding = "MPEG4-GENERIC";
      m.clock_rate = 48000;
      m.fmtp = {{"mode", "AAC-hbr"},
                {"sizelength", "13"},
                {"indexlength", "3"},
                {"indexdeltalength", "3"},
                {"config", with_params ? "1194" : "1190"}};
      break;
    case 5:
      m.encoding = "MPEG4-GENERIC";
      m.clock_rate = 8000;
      m.fmtp = {{"mode", "AAC-lbr"},
                {"sizelength", "6"},
                {"indexlength", "2"},
                {"indexdeltalength", "2"},
                {"config", "1588"}};
      if (with_params) m.fmtp["ctsdeltalength"] = "3";
      if (with_params) m.fmtp["auxiliarydatasizelength"] = "4";
      break;
    case 6:
      m.encoding = "PCMU";
      m.clock_rate = 8000;
      break;
    default:
      m.encoding = "PCMA";
      m.clock_rate = 8000;
      break;
  }
  return m;
}

void CheckAccessUnit(const rtsp::AccessUnit& au, bool video, const rtsp::Depacketizer& d) {
  if (au.data.size() > (size_t{16} << 20)) __builtin_trap();
  // config() may already run ahead of what was emitted (parameter sets of an access unit still
  // being assembled), so only a complete configuration is required of it.
  if (au.new_config && (!au.key || !d.config())) __builtin_trap();
  if (!video) return;
  size_t off = 0, nals = 0;
  while (off < au.data.size()) {
    if (au.data.size() - off < 4) __builtin_trap();
    size_t n = (size_t{au.data[off]} << 24) | (size_t{au.data[off + 1]} << 16) |
               (size_t{au.data[off + 2]} << 8) | au.data[off + 3];
    off += 4;
    if (n == 0 || n > au.data.size() - off) __builtin_trap();
    off += n;
    ++nals;
  }
  if (nals == 0 || nals > 1024) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const rtsp::SdpMediaDescription media = MediaFor(data[0]);
  auto made = rtsp::MakeDepacketizer(media);
  if (!made) __builtin_trap();  // every configuration above is valid
  rtsp::Depacketizer& d = **made;
  const bool video = media.encoding == "H264" || media.encoding == "H265";
  std::vector<rtsp::AccessUnit> out;
  int64_t ts = 0;
  size_t off = 1;
  while (off + 3 <= size) {
    const uint8_t flags = data[off];
    size_t len = (size_t{data[off + 1]} << 8) | data[off + 2];
    off += 3;
    len = std::min(len, size - off);
    static constexpr int64_t kSteps[4] = {0, 3000, 1, -3000};
    ts += kSteps[(flags >> 2) & 3];
    rtsp::DepacketizerInput in{ts, (flags & 1) != 0, (flags & 2) != 0, {data + off, len}};
    off += len;
    out.clear();
    if (!d.Push(in, out)) break;  // a real client reconnects
    for (const rtsp::AccessUnit& au : out) CheckAccessUnit(au, video, d);
  }
  (void)d.dropped();
  return 0;
}
