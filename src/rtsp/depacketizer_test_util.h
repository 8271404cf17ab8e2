// Test-only helpers for depacketizer_test.cc and depacketizer_quirks_test.cc: NAL units, packets
// from the real packetizers (rtp.h), and a driver that feeds a depacketizer.
#ifndef NIGHTJAR_RTSP_DEPACKETIZER_TEST_UTIL_H_
#define NIGHTJAR_RTSP_DEPACKETIZER_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/base64.h"
#include "rtsp/depacketizer.h"
#include "rtsp/rtp.h"
#include "rtsp/sdp.h"

namespace nightjar::rtsp::testing {

using Bytes = std::vector<uint8_t>;

// A NAL unit: `header` bytes then `size - header.size()` filler bytes that never form a start
// code (no zero bytes), varying with `seed`.
inline Bytes Nal(std::initializer_list<uint8_t> header, size_t size, uint8_t seed = 0) {
  Bytes n(header);
  for (size_t i = n.size(); i < size; ++i)
    n.push_back(static_cast<uint8_t>(1 + (i * 7 + seed) % 251));
  return n;
}

inline Bytes Span(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

// AVCC: each NAL unit with a 4-byte big-endian length.
inline Bytes Avcc(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& n : nals) {
    const size_t s = n.size();
    out.insert(out.end(), {static_cast<uint8_t>(s >> 24), static_cast<uint8_t>(s >> 16),
                           static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s)});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

inline Bytes AnnexB(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

struct TestPacket {
  int64_t timestamp = 0;
  bool marker = false;
  Bytes payload;
  bool loss_before = false;
};

enum class Format { kH264, kH265 };

// Packetizes one access unit with the real packetizers.
inline std::vector<TestPacket> Packetize(Format f, const std::vector<Bytes>& nals,
                                         size_t max_payload, int64_t ts) {
  std::vector<std::span<const uint8_t>> spans(nals.begin(), nals.end());
  Bytes arena;
  std::vector<PayloadRef> refs;
  if (f == Format::kH264) {
    PacketizeH264(spans, max_payload, arena, refs);
  } else {
    PacketizeH265(spans, max_payload, arena, refs);
  }
  std::vector<TestPacket> out;
  out.reserve(refs.size());
  for (const PayloadRef& r : refs) {
    out.push_back(
        {ts, r.marker, Bytes(arena.begin() + r.offset, arena.begin() + r.offset + r.size)});
  }
  return out;
}

inline std::vector<TestPacket> PacketizeAacAu(const Bytes& au, size_t max_payload, int64_t ts) {
  Bytes arena;
  std::vector<PayloadRef> refs;
  PacketizeAac(au, max_payload, arena, refs);
  std::vector<TestPacket> out;
  out.reserve(refs.size());
  for (const PayloadRef& r : refs) {
    out.push_back(
        {ts, r.marker, Bytes(arena.begin() + r.offset, arena.begin() + r.offset + r.size)});
  }
  return out;
}

// Pushes every packet; returns the access units, or the first error.
inline Result<std::vector<AccessUnit>> Feed(Depacketizer& d, const std::vector<TestPacket>& pkts) {
  std::vector<AccessUnit> out;
  for (const TestPacket& p : pkts) {
    NJ_CHECK_OK(d.Push({p.timestamp, p.marker, p.loss_before, p.payload}, out));
  }
  return out;
}

inline void Append(std::vector<TestPacket>& to, const std::vector<TestPacket>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

inline SdpMediaDescription Media(std::string encoding, uint32_t clock,
                                 std::map<std::string, std::string> fmtp = {}) {
  SdpMediaDescription m;
  m.media = encoding == "H264" || encoding == "H265" ? "video" : "audio";
  m.protocol = "RTP/AVP";
  m.payload_type = 96;
  m.encoding = std::move(encoding);
  m.clock_rate = clock;
  m.fmtp = std::move(fmtp);
  return m;
}

inline std::unique_ptr<Depacketizer> Make(const SdpMediaDescription& m) {
  auto d = MakeDepacketizer(m);
  EXPECT_TRUE(d) << d.error().ToString();
  return d ? std::move(*d) : nullptr;
}

inline std::string Sprop(const std::vector<Bytes>& nals) {
  std::string s;
  for (const Bytes& n : nals) {
    if (!s.empty()) s += ',';
    s += Base64Encode(n);
  }
  return s;
}

}  // namespace nightjar::rtsp::testing

#endif  // NIGHTJAR_RTSP_DEPACKETIZER_TEST_UTIL_H_
