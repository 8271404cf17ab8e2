// Test-only: a tiny big-endian box writer and builders for hand-made .mp4 files, shared by the
// demuxer tests. Every field is written explicitly so a test can corrupt exactly one of them.
#ifndef NIGHTJAR_MP4_DEMUX_TEST_FILES_H_
#define NIGHTJAR_MP4_DEMUX_TEST_FILES_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nightjar::mp4::testing {

using Bytes = std::vector<uint8_t>;

// Appends big-endian fields.
class W {
 public:
  W& U8(uint64_t v) {
    b_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  W& U16(uint64_t v) { return U8(v >> 8).U8(v); }
  W& U24(uint64_t v) { return U8(v >> 16).U16(v); }
  W& U32(uint64_t v) { return U16(v >> 16).U16(v); }
  W& U64(uint64_t v) { return U32(v >> 32).U32(v); }
  W& Str(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  W& Raw(const Bytes& b) {
    b_.insert(b_.end(), b.begin(), b.end());
    return *this;
  }
  W& Zeros(size_t n) {
    b_.insert(b_.end(), n, 0);
    return *this;
  }
  operator Bytes() const { return b_; }  // NOLINT(google-explicit-constructor): test sugar

 private:
  Bytes b_;
};

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes Box(std::string_view type, const Bytes& payload) {
  return W().U32(8 + payload.size()).Str(type).Raw(payload);
}

inline Bytes FullBox(std::string_view type, uint8_t version, uint32_t flags, const Bytes& payload) {
  return Box(type, W().U8(version).U24(flags).Raw(payload));
}

// --- Sample tables (ISO/IEC 14496-12 §8.6-8.7) -------------------------------------------------

inline Bytes Stts(const std::vector<std::pair<uint32_t, uint32_t>>& runs) {  // {count, delta}
  W w;
  w.U32(runs.size());
  for (auto [count, delta] : runs) w.U32(count).U32(delta);
  return FullBox("stts", 0, 0, w);
}

inline Bytes Ctts(uint8_t version, const std::vector<std::pair<uint32_t, int32_t>>& runs) {
  W w;
  w.U32(runs.size());
  for (auto [count, offset] : runs) w.U32(count).U32(static_cast<uint32_t>(offset));
  return FullBox("ctts", version, 0, w);
}

inline Bytes Stss(const std::vector<uint32_t>& numbers) {
  W w;
  w.U32(numbers.size());
  for (uint32_t n : numbers) w.U32(n);
  return FullBox("stss", 0, 0, w);
}

inline Bytes Stsz(const std::vector<uint32_t>& sizes) {
  W w;
  w.U32(0).U32(sizes.size());
  for (uint32_t s : sizes) w.U32(s);
  return FullBox("stsz", 0, 0, w);
}

inline Bytes Stsc(
    const std::vector<std::array<uint32_t, 3>>& entries) {  // first_chunk, per_chunk, desc
  W w;
  w.U32(entries.size());
  for (const auto& e : entries) w.U32(e[0]).U32(e[1]).U32(e[2]);
  return FullBox("stsc", 0, 0, w);
}

inline Bytes Stco(const std::vector<uint64_t>& offsets) {  // each written as 32 bits
  W w;
  w.U32(offsets.size());
  for (uint64_t o : offsets) w.U32(o);
  return FullBox("stco", 0, 0, w);
}

inline Bytes Co64(const std::vector<uint64_t>& offsets) {
  W w;
  w.U32(offsets.size());
  for (uint64_t o : offsets) w.U64(o);
  return FullBox("co64", 0, 0, w);
}

// --- Sample entries ------------------------------------------------------------------------------

// VisualSampleEntry (§12.1.3): SampleEntry, then 70 bytes of fixed fields, then child boxes. The
// resolution and compressor name are non-zero so a reader skipping the wrong amount notices.
inline Bytes VisualEntry(std::string_view fourcc, uint16_t width, uint16_t height,
                         const Bytes& children) {
  W e;
  e.Zeros(6).U16(1);                         // reserved, data_reference_index
  e.U16(0).U16(0).Zeros(12);                 // pre_defined, reserved, pre_defined[3]
  e.U16(width).U16(height);                  //
  e.U32(0x00480000).U32(0x00480000).U32(0);  // 72 dpi, 72 dpi, reserved
  e.U16(1);                                  // frame_count
  e.U8(8).Str("Nightjar").Zeros(23);         // compressorname (Pascal string, 32 bytes)
  e.U16(0x18).U16(0xffff);                   // depth, pre_defined = -1
  return Box(fourcc, e.Raw(children));
}

// AudioSampleEntry v0 (§12.2.3).
inline Bytes AudioEntry(std::string_view fourcc, uint16_t channels, uint32_t rate_hz,
                        const Bytes& children) {
  W e;
  e.Zeros(6).U16(1).Zeros(8);  // reserved, data_reference_index, reserved[2]
  e.U16(channels).U16(16).U16(0).U16(0).U32(rate_hz << 16);
  return Box(fourcc, e.Raw(children));
}

// A descriptor (ISO/IEC 14496-1 §7.2.2.1) with its size in 4-byte expandable form, as FFmpeg
// writes it, or in the minimal 1-byte form.
inline Bytes Descriptor(uint8_t tag, const Bytes& body, bool long_size) {
  const uint32_t n = static_cast<uint32_t>(body.size());
  W d;
  d.U8(tag);
  if (long_size) {
    d.U8(0x80 | ((n >> 21) & 0x7f)).U8(0x80 | ((n >> 14) & 0x7f)).U8(0x80 | ((n >> 7) & 0x7f));
  }
  d.U8(n & 0x7f);
  return d.Raw(body);
}

// esds (ISO/IEC 14496-14 §5.6) for MPEG-4 audio with `asc` as DecoderSpecificInfo.
inline Bytes Esds(const Bytes& asc, bool long_size, uint8_t es_flags = 0,
                  const Bytes& es_optional = {}) {
  Bytes dsi = Descriptor(5, asc, long_size);
  Bytes config =
      Descriptor(4, Cat({W().U8(0x40).U8(0x15).U24(0).U32(128000).U32(128000), dsi}), long_size);
  Bytes sl = Descriptor(6, W().U8(2), long_size);
  Bytes es = Descriptor(3, Cat({W().U16(1).U8(es_flags), es_optional, config, sl}), long_size);
  return FullBox("esds", 0, 0, es);
}

// --- Whole files
// -----------------------------------------------------------------------------------

struct TrackBoxes {
  std::string handler = "vide";
  uint32_t track_id = 1;
  uint32_t timescale = 90000;
  uint32_t duration = 15000;
  Bytes sample_entry;
  Bytes stts, ctts, stss, sizes, stsc, chunk_offsets;  // whole boxes; empty ones are left out
  Bytes extra_stbl;                                    // appended to stbl
  Bytes edts;
};

inline Bytes Trak(const TrackBoxes& t) {
  Bytes stsd = FullBox("stsd", 0, 0, Cat({W().U32(1), t.sample_entry}));
  Bytes stbl = Box(
      "stbl", Cat({stsd, t.stts, t.ctts, t.stss, t.sizes, t.stsc, t.chunk_offsets, t.extra_stbl}));
  Bytes dinf = Box("dinf", FullBox("dref", 0, 0, Cat({W().U32(1), FullBox("url ", 0, 1, {})})));
  Bytes minf = Box("minf", Cat({FullBox("vmhd", 0, 1, W().Zeros(8)), dinf, stbl}));
  Bytes mdhd = FullBox("mdhd", 0, 0, W().U32(0).U32(0).U32(t.timescale).U32(t.duration).U32(0));
  Bytes hdlr = FullBox("hdlr", 0, 0, W().U32(0).Str(t.handler).Zeros(12).Str("h").U8(0));
  Bytes tkhd = FullBox("tkhd", 0, 3, W().U32(0).U32(0).U32(t.track_id).Zeros(68));
  return Box("trak", Cat({tkhd, t.edts, Box("mdia", Cat({mdhd, hdlr, minf}))}));
}

inline Bytes Mvhd(uint32_t timescale) {
  return FullBox("mvhd", 0, 0, W().U32(0).U32(0).U32(timescale).U32(0).Zeros(80));
}

inline Bytes Ftyp() { return Box("ftyp", W().Str("isom").U32(0x200).Str("isomiso2avc1mp41")); }

// ftyp (32 bytes) + mdat (8-byte header, `mdat_size` bytes of 0x5a) + `moov`: the mdat payload
// starts at kMdatData, so tests can write absolute chunk offsets before building the moov.
constexpr uint64_t kMdatData = 40;
inline Bytes File(const Bytes& moov, size_t mdat_size = 1000) {
  return Cat({Ftyp(), Box("mdat", Bytes(mdat_size, 0x5a)), moov});
}

}  // namespace nightjar::mp4::testing

#endif  // NIGHTJAR_MP4_DEMUX_TEST_FILES_H_
