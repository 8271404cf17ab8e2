// MPEG-2 transport stream muxing (ISO/IEC 13818-1) of stored access units, for HLS segments and
// .ts export: PAT and PMT (§2.4.4), PES packets (§2.4.3.6) with PTS/DTS, PCR on the video PID,
// H.264/H.265 in Annex B form with an access unit delimiter first and the parameter sets of the
// sample entry before every key frame (ITU-T H.222.0 §2.14 / Annex B of H.264 and H.265), and AAC
// in ADTS framing (ISO/IEC 13818-7 / 14496-3 §1.A.2).
//
// Timestamps go in as 90 kHz from the start of the output (they may be slightly negative for
// audio that begins before the first video frame); the muxer adds a fixed offset (kTsTimeOffset)
// so every PTS, DTS and PCR is positive, wrapping at 33 bits as the standard does.
//
// Thread safety: a TsMuxer is used by one thread (it keeps continuity counters).
#ifndef NIGHTJAR_MP4_TS_MUX_H_
#define NIGHTJAR_MP4_TS_MUX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/error.h"
#include "codec/aac.h"
#include "mp4/box_writer.h"

namespace nightjar::mp4 {

inline constexpr int64_t kTsTimeOffset = 126000;  // 1.4 s, as common muxers start
inline constexpr size_t kTsPacketSize = 188;
inline constexpr uint16_t kTsPmtPid = 0x1000;
inline constexpr uint16_t kTsVideoPid = 0x100;
inline constexpr uint16_t kTsAudioPid = 0x101;

class TsMuxer {
 public:
  // `video` entries (avc1/avc3 or hvc1/hev1, all of one codec) give the parameter sets inserted
  // before key frames; `audio` entries (mp4a with an AudioSpecificConfig) the ADTS headers; no
  // audio entries: no audio stream. kUnsupported for other codecs or mixed video codecs;
  // kMalformed for an avcC/hvcC/ASC that does not parse.
  static Result<std::unique_ptr<TsMuxer>> Create(const std::vector<SampleEntrySpec>& video,
                                                 const std::vector<SampleEntrySpec>& audio);

  // Appends the packets of one video access unit: `data` holds NAL units with 4-byte lengths
  // (as sample files and MP4 store them), `entry` indexes the video entries. PAT and PMT precede
  // every key frame (and the first frame). kMalformed for data that does not split into NAL units.
  Result<void> WriteVideo(uint32_t entry, int64_t dts, int64_t pts, bool key,
                          std::span<const uint8_t> data, std::vector<uint8_t>* out);
  // Appends one AAC access unit (raw, as stored) as one ADTS frame in its own PES packet.
  Result<void> WriteAudio(uint32_t entry, int64_t pts, std::span<const uint8_t> data,
                          std::vector<uint8_t>* out);

 private:
  struct VideoEntry {
    std::vector<uint8_t> parameter_sets;  // Annex B, ready to insert
  };
  TsMuxer() = default;
  void WritePsi(std::vector<uint8_t>* out);
  // Splits one PES packet into transport packets on `pid`.
  void Packetize(uint16_t pid, std::span<const uint8_t> pes, std::optional<int64_t> pcr,
                 bool random_access, std::vector<uint8_t>* out);

  bool hevc_ = false;
  std::vector<VideoEntry> video_;
  std::vector<codec::AudioSpecificConfig> audio_;
  uint8_t cc_pat_ = 0, cc_pmt_ = 0, cc_video_ = 0, cc_audio_ = 0;
  bool psi_written_ = false;
  std::vector<uint8_t> pes_;  // scratch
};

// The MPEG-2 CRC-32 of PSI sections (polynomial 0x04C11DB7, no reflection, initial all ones).
uint32_t Crc32Mpeg2(std::span<const uint8_t> data);

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_TS_MUX_H_
