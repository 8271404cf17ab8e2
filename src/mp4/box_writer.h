// Writing ISO BMFF (ISO/IEC 14496-12) boxes into a growing byte buffer, and the boxes that the
// virtual .mp4 and the fragmented MP4 writers share (movie/track headers, sample entries).
//
// BoxWriter appends big-endian fields; Open()/Close() bracket a box and patch its 32-bit size
// when it closes (§4.2). Nothing here does I/O. A BoxWriter is a plain value used by one thread.
#ifndef NIGHTJAR_MP4_BOX_WRITER_H_
#define NIGHTJAR_MP4_BOX_WRITER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar::mp4 {

class BoxWriter {
 public:
  explicit BoxWriter(std::vector<uint8_t>* out) : out_(*out) {}

  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v);
  void U24(uint32_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void Str(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void Zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  void FourCc(std::string_view four);  // exactly four characters

  // Starts a box of `type`; returns the handle Close() needs. Boxes nest.
  size_t Open(std::string_view type);
  // A FullBox (§4.2): the header, then version and 24-bit flags.
  size_t OpenFull(std::string_view type, uint8_t version, uint32_t flags);
  // Patches the size of the box opened at `handle` (which must be under 4 GiB).
  void Close(size_t handle);

  size_t size() const { return out_.size(); }
  std::vector<uint8_t>& buffer() { return out_; }

 private:
  std::vector<uint8_t>& out_;
};

// One sample description (stsd entry) as stored with recordings (db sample_entry rows).
struct SampleEntrySpec {
  enum class Kind { kVideo, kAudio };
  Kind kind = Kind::kVideo;
  // RFC 6381 codec string: "avc1.640028", "hvc1.1.6.L120.90", "mp4a.40.2". Its first four
  // characters name the sample entry box ("avc1", "avc3", "hvc1", "hev1", "mp4a").
  std::string codec;
  std::vector<uint8_t> config;  // avcC / hvcC payload, or the AudioSpecificConfig
  uint16_t width = 0, height = 0;
  uint32_t sample_rate = 0;  // audio: also the track's timescale
  uint16_t channels = 0;
};

// Appends the sample entry box (ISO/IEC 14496-12 §12.1.3 VisualSampleEntry with avcC/hvcC per
// ISO/IEC 14496-15; §12.2.3 AudioSampleEntry with esds per ISO/IEC 14496-14 §5.6).
// kUnsupported for a codec other than avc1/avc3/hvc1/hev1/mp4a.
Result<void> WriteSampleEntry(BoxWriter& w, const SampleEntrySpec& entry);

// The fixed-layout boxes, with version 1 (64-bit times) when `duration` needs it.
struct MovieHeader {
  uint32_t timescale = 90000;
  uint64_t duration = 0;
  uint64_t creation_time = 0;  // seconds since 1904-01-01 UTC
  uint32_t next_track_id = 1;
};
void WriteMvhd(BoxWriter& w, const MovieHeader& h);

struct TrackHeader {
  uint32_t track_id = 1;
  uint64_t duration = 0;  // in the movie timescale
  uint64_t creation_time = 0;
  bool audio = false;
  uint16_t width = 0, height = 0;
};
void WriteTkhd(BoxWriter& w, const TrackHeader& h);
void WriteMdhd(BoxWriter& w, uint32_t timescale, uint64_t duration, uint64_t creation_time);
// hdlr (§8.4.3), 'vide' or 'soun'.
void WriteHdlr(BoxWriter& w, bool audio);
// The first boxes of minf: vmhd (§12.1.2) or smhd (§12.2.2), and dinf with a self-contained
// 'url ' data reference (§8.7.1-2).
void WriteMediaHeaderAndDinf(BoxWriter& w, bool audio);

// Seconds since 1904-01-01 (the MP4 epoch) of a Unix time in seconds.
constexpr uint64_t Mp4Time(int64_t unix_seconds) {
  return static_cast<uint64_t>(unix_seconds + 2082844800LL);
}

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_BOX_WRITER_H_
