#include "rtsp/rtcp.h"

#include <algorithm>
#include <string>

namespace nightjar::rtsp {
namespace {

constexpr uint8_t kSr = 200, kRr = 201, kSdes = 202;

void Put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

uint32_t Get32(std::span<const uint8_t> p, size_t off) {
  return (uint32_t{p[off]} << 24) | (uint32_t{p[off + 1]} << 16) | (uint32_t{p[off + 2]} << 8) |
         p[off + 3];
}

// Appends an SDES chunk with one CNAME item, padded to a 32-bit boundary (§6.5).
void AppendSdes(std::vector<uint8_t>& v, uint32_t ssrc, std::string_view cname) {
  cname = cname.substr(0, 255);
  size_t start = v.size();
  v.push_back(0x81);  // V=2, P=0, SC=1
  v.push_back(kSdes);
  v.push_back(0);
  v.push_back(0);
  Put32(v, ssrc);
  v.push_back(1);  // CNAME
  v.push_back(static_cast<uint8_t>(cname.size()));
  v.insert(v.end(), cname.begin(), cname.end());
  v.push_back(0);  // end of item list; then pad to 4 bytes with more nulls
  while ((v.size() - start) % 4 != 0) v.push_back(0);
  size_t words = (v.size() - start) / 4 - 1;
  v[start + 2] = static_cast<uint8_t>(words >> 8);
  v[start + 3] = static_cast<uint8_t>(words);
}

}  // namespace

std::vector<uint8_t> BuildSenderReport(const SenderInfo& info, std::string_view cname) {
  std::vector<uint8_t> v;
  v.reserve(28 + 12 + cname.size());
  v.push_back(0x80);  // V=2, P=0, RC=0
  v.push_back(kSr);
  v.push_back(0);
  v.push_back(6);  // length in 32-bit words minus one
  Put32(v, info.ssrc);
  Put32(v, static_cast<uint32_t>(info.ntp_timestamp >> 32));
  Put32(v, static_cast<uint32_t>(info.ntp_timestamp));
  Put32(v, info.rtp_timestamp);
  Put32(v, info.packet_count);
  Put32(v, info.octet_count);
  AppendSdes(v, info.ssrc, cname);
  return v;
}

std::vector<uint8_t> BuildReceiverReport(uint32_t reporter_ssrc, std::optional<uint32_t> media_ssrc,
                                         std::string_view cname) {
  std::vector<uint8_t> v;
  v.push_back(static_cast<uint8_t>(0x80 | (media_ssrc ? 1 : 0)));
  v.push_back(kRr);
  v.push_back(0);
  v.push_back(media_ssrc ? 7 : 1);
  Put32(v, reporter_ssrc);
  if (media_ssrc) {
    Put32(v, *media_ssrc);
    for (int i = 0; i < 5; ++i) Put32(v, 0);  // loss, highest seq, jitter, LSR, DLSR unknown
  }
  AppendSdes(v, reporter_ssrc, cname);
  return v;
}

std::vector<uint8_t> BuildReceiverReport(uint32_t reporter_ssrc, const ReportBlock& block,
                                         std::string_view cname) {
  std::vector<uint8_t> v;
  v.push_back(0x81);
  v.push_back(kRr);
  v.push_back(0);
  v.push_back(7);
  Put32(v, reporter_ssrc);
  Put32(v, block.ssrc);
  const int32_t lost = std::clamp<int32_t>(block.cumulative_lost, -0x800000, 0x7fffff);
  Put32(v, uint32_t{block.fraction_lost} << 24 | (static_cast<uint32_t>(lost) & 0xffffff));
  Put32(v, block.highest_sequence);
  Put32(v, block.jitter);
  Put32(v, 0);  // LSR and DLSR: we do not measure round trips
  Put32(v, 0);
  AppendSdes(v, reporter_ssrc, cname);
  return v;
}

Result<std::optional<SenderInfo>> ParseSenderReport(std::span<const uint8_t> p) {
  std::optional<SenderInfo> found;
  size_t off = 0;
  while (off < p.size()) {
    if (p.size() - off < 4) return Err(ErrorCode::kMalformed, "RTCP header truncated");
    if ((p[off] >> 6) != 2) return Err(ErrorCode::kMalformed, "RTCP version is not 2");
    size_t len = 4 * ((size_t{p[off + 2]} << 8 | p[off + 3]) + 1);
    if (len > p.size() - off) {
      return Err(ErrorCode::kMalformed, "RTCP packet length " + std::to_string(len) +
                                            " exceeds the " + std::to_string(p.size() - off) +
                                            " bytes left");
    }
    if (p[off + 1] == kSr && !found) {
      if (len < 28) return Err(ErrorCode::kMalformed, "RTCP SR shorter than 28 bytes");
      SenderInfo info;
      info.ssrc = Get32(p, off + 4);
      info.ntp_timestamp = (uint64_t{Get32(p, off + 8)} << 32) | Get32(p, off + 12);
      info.rtp_timestamp = Get32(p, off + 16);
      info.packet_count = Get32(p, off + 20);
      info.octet_count = Get32(p, off + 24);
      found = info;
    }
    off += len;
  }
  return found;
}

}  // namespace nightjar::rtsp
