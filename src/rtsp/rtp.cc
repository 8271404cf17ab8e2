#include "rtsp/rtp.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace nightjar::rtsp {
namespace {

void Put16(std::vector<uint8_t>& v, size_t n) {
  v.push_back(static_cast<uint8_t>(n >> 8));
  v.push_back(static_cast<uint8_t>(n));
}

void Append(std::vector<uint8_t>& v, std::span<const uint8_t> bytes) {
  v.insert(v.end(), bytes.begin(), bytes.end());
}

void Emit(std::vector<uint8_t>& arena, size_t start, bool marker, std::vector<PayloadRef>& out) {
  out.push_back(
      {static_cast<uint32_t>(start), static_cast<uint32_t>(arena.size() - start), marker});
}

// The codec-specific parts of NAL packetization; H.264 and H.265 differ only in header size and
// the aggregation/fragmentation header layouts.
struct NalFormat {
  size_t header_size;  // 1 for H.264, 2 for H.265
  // Writes the aggregation packet header (STAP-A / AP) for the given NAL units.
  void (*aggregation_header)(std::span<const std::span<const uint8_t>>, std::vector<uint8_t>&);
  // Writes the fragmentation headers (FU indicator + FU header / PayloadHdr + FU header).
  void (*fragment_header)(std::span<const uint8_t> nal, bool start, bool end,
                          std::vector<uint8_t>&);
};

// H.264 STAP-A (RFC 6184 §5.7.1): F and NRI are the maximum of the aggregated units'.
void H264AggregationHeader(std::span<const std::span<const uint8_t>> nals,
                           std::vector<uint8_t>& v) {
  uint8_t f = 0, nri = 0;
  for (auto nal : nals) {
    f |= nal[0] & 0x80;
    nri = std::max<uint8_t>(nri, nal[0] & 0x60);
  }
  v.push_back(f | nri | 24);
}

// H.264 FU-A (RFC 6184 §5.8): indicator keeps F/NRI, type 28; header S/E/R + original type.
void H264FragmentHeader(std::span<const uint8_t> nal, bool start, bool end,
                        std::vector<uint8_t>& v) {
  v.push_back((nal[0] & 0xe0) | 28);
  v.push_back((start ? 0x80 : 0) | (end ? 0x40 : 0) | (nal[0] & 0x1f));
}

// H.265 AP (RFC 7798 §4.4.2): type 48, F = OR, LayerId and TID = minimum of the units'.
void H265AggregationHeader(std::span<const std::span<const uint8_t>> nals,
                           std::vector<uint8_t>& v) {
  uint8_t f = 0;
  int layer = 63, tid = 7;
  for (auto nal : nals) {
    f |= nal[0] & 0x80;
    layer = std::min(layer, ((nal[0] & 1) << 5) | (nal[1] >> 3));
    tid = std::min(tid, nal[1] & 7);
  }
  v.push_back(static_cast<uint8_t>(f | (48 << 1) | (layer >> 5)));
  v.push_back(static_cast<uint8_t>(((layer & 0x1f) << 3) | tid));
}

// H.265 FU (RFC 7798 §4.4.3): PayloadHdr with type 49, then S/E + original type.
void H265FragmentHeader(std::span<const uint8_t> nal, bool start, bool end,
                        std::vector<uint8_t>& v) {
  v.push_back(static_cast<uint8_t>((nal[0] & 0x81) | (49 << 1)));
  v.push_back(nal[1]);
  v.push_back(static_cast<uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | ((nal[0] >> 1) & 0x3f)));
}

constexpr NalFormat kH264{1, H264AggregationHeader, H264FragmentHeader};
constexpr NalFormat kH265{2, H265AggregationHeader, H265FragmentHeader};

void PacketizeNals(const NalFormat& fmt, std::span<const std::span<const uint8_t>> nals,
                   size_t max_payload, std::vector<uint8_t>& arena, std::vector<PayloadRef>& out) {
  assert(max_payload >= 16);
  size_t i = 0;
  while (i < nals.size()) {
    auto nal = nals[i];
    if (nal.size() <= fmt.header_size) {  // nothing a decoder could use; drop it
      ++i;
      continue;
    }
    // Aggregate as many following NAL units as fit in one packet (each with a 16-bit size).
    size_t j = i, agg = fmt.header_size;
    while (j < nals.size() && nals[j].size() > fmt.header_size &&
           agg + 2 + nals[j].size() <= max_payload) {
      agg += 2 + nals[j].size();
      ++j;
    }
    bool last_of_au;
    size_t start = arena.size();
    if (j - i >= 2) {
      fmt.aggregation_header(nals.subspan(i, j - i), arena);
      for (size_t k = i; k < j; ++k) {
        Put16(arena, nals[k].size());
        Append(arena, nals[k]);
      }
      last_of_au = j == nals.size();
      Emit(arena, start, last_of_au, out);
      i = j;
      continue;
    }
    last_of_au = i + 1 == nals.size();
    if (nal.size() <= max_payload) {
      Append(arena, nal);
      Emit(arena, start, last_of_au, out);
      ++i;
      continue;
    }
    // Fragment: the NAL header is replaced by the FU headers; the rest is split in chunks.
    size_t fu_overhead = fmt.header_size + 1;
    size_t chunk = max_payload - fu_overhead;
    auto body = nal.subspan(fmt.header_size);
    for (size_t off = 0; off < body.size(); off += chunk) {
      size_t n = std::min(chunk, body.size() - off);
      bool first = off == 0, end = off + n == body.size();
      start = arena.size();
      fmt.fragment_header(nal, first, end, arena);
      Append(arena, body.subspan(off, n));
      Emit(arena, start, end && last_of_au, out);
    }
    ++i;
  }
}

}  // namespace

void WriteRtpHeader(const RtpHeader& h, uint8_t* out) {
  out[0] = 0x80;
  out[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7f));
  out[2] = static_cast<uint8_t>(h.sequence >> 8);
  out[3] = static_cast<uint8_t>(h.sequence);
  for (int i = 0; i < 4; ++i) {
    out[4 + i] = static_cast<uint8_t>(h.timestamp >> (24 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(h.ssrc >> (24 - 8 * i));
  }
}

Result<RtpPacket> ParseRtp(std::span<const uint8_t> p) {
  if (p.size() < kRtpHeaderSize) {
    return Err(ErrorCode::kMalformed, "RTP packet of " + std::to_string(p.size()) + " bytes");
  }
  if ((p[0] >> 6) != 2) return Err(ErrorCode::kMalformed, "RTP version is not 2");
  RtpPacket pkt;
  pkt.header.marker = (p[1] & 0x80) != 0;
  pkt.header.payload_type = p[1] & 0x7f;
  pkt.header.sequence = static_cast<uint16_t>((p[2] << 8) | p[3]);
  pkt.header.timestamp = (uint32_t{p[4]} << 24) | (uint32_t{p[5]} << 16) | (p[6] << 8) | p[7];
  pkt.header.ssrc = (uint32_t{p[8]} << 24) | (uint32_t{p[9]} << 16) | (p[10] << 8) | p[11];
  size_t off = kRtpHeaderSize + 4 * size_t{static_cast<uint8_t>(p[0] & 0x0f)};
  if (off > p.size()) return Err(ErrorCode::kMalformed, "RTP CSRC list past the packet end");
  if (p[0] & 0x10) {  // header extension (§5.3.1): 16-bit profile, 16-bit length in words
    if (off + 4 > p.size()) return Err(ErrorCode::kMalformed, "RTP extension header truncated");
    off += 4 + 4 * ((size_t{p[off + 2]} << 8) | p[off + 3]);
    if (off > p.size()) return Err(ErrorCode::kMalformed, "RTP extension past the packet end");
  }
  size_t end = p.size();
  if (p[0] & 0x20) {  // padding: the last octet counts the padding octets, itself included
    size_t pad = p.back();
    if (pad == 0 || off + pad > end) return Err(ErrorCode::kMalformed, "bad RTP padding");
    end -= pad;
  }
  pkt.payload = p.subspan(off, end - off);
  return pkt;
}

void PacketizeH264(std::span<const std::span<const uint8_t>> nals, size_t max_payload,
                   std::vector<uint8_t>& arena, std::vector<PayloadRef>& out) {
  PacketizeNals(kH264, nals, max_payload, arena, out);
}

void PacketizeH265(std::span<const std::span<const uint8_t>> nals, size_t max_payload,
                   std::vector<uint8_t>& arena, std::vector<PayloadRef>& out) {
  PacketizeNals(kH265, nals, max_payload, arena, out);
}

void PacketizeAac(std::span<const uint8_t> au, size_t max_payload, std::vector<uint8_t>& arena,
                  std::vector<PayloadRef>& out) {
  assert(max_payload >= 16);
  size_t chunk = max_payload - 4;
  size_t off = 0;
  do {
    size_t n = std::min(chunk, au.size() - off);
    size_t start = arena.size();
    Put16(arena, 16);                         // AU-headers-length in bits: one 16-bit AU-header
    Put16(arena, (au.size() & 0x1fff) << 3);  // AU-size (13 bits), AU-Index 0 (3 bits)
    Append(arena, au.subspan(off, n));
    off += n;
    Emit(arena, start, off == au.size(), out);
  } while (off < au.size());
}

}  // namespace nightjar::rtsp
