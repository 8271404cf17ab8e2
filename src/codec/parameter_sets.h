// The parameter sets of one H.264 / H.265 stream, kept by id, and the decoder configuration
// record built from all of them.
//
// Owns: reading the id of a parameter-set NAL unit (H.264 §7.3.2.1.1 seq_parameter_set_id,
// §7.3.2.2 pic_parameter_set_id; H.265 §7.3.2.1 vps_video_parameter_set_id, §7.3.2.2
// sps_seq_parameter_set_id, §7.3.2.3.1 pps_pic_parameter_set_id), the PPS id a slice refers to
// (H.264 §7.3.3, H.265 §7.3.6.1), ParameterSets (per kind a map id -> NAL unit) and
// BuildDecoderConfig (avcC / hvcC holding every set).
//
// Why a map: a stream may use several sets of a kind at once (slices alternating between PPS 0
// and 1, say). A decoder keeps every id it has seen (H.264 §7.4.1.2.1: a set stays available
// until another one with the same id replaces it), and the MP4 decoder configuration records
// carry arrays of them (ISO/IEC 14496-15 §5.3.3.1 for avcC, §8.3.3.1 for hvcC), so a recording
// decodes only if its sample entry holds all of them. Ids are bounded by the codecs (H.264: 32
// SPS, 256 PPS; H.265: 16 VPS, 16 SPS, 64 PPS), and so is what a ParameterSets holds.
//
// Determinism: sets are kept and written in id order, so the same sets always give the same
// record, byte for byte (sample entries are deduplicated by content).
//
// Pure code, no I/O. A ParameterSets is a value (copyable, comparable); not thread-safe.
#ifndef NIGHTJAR_CODEC_PARAMETER_SETS_H_
#define NIGHTJAR_CODEC_PARAMETER_SETS_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "codec/nal.h"

namespace nightjar::codec {

enum class ParamSetKind : uint8_t { kVps = 0, kSps = 1, kPps = 2 };

struct ParamSetId {
  ParamSetKind kind = ParamSetKind::kSps;
  uint32_t id = 0;
  bool operator==(const ParamSetId&) const = default;
};

// How many ids of `kind` the codec allows (H.264 §7.4.2.1.1 / §7.4.2.2: 32 SPS, 256 PPS; H.265
// §7.4.3.1-§7.4.3.3: 16 VPS, 16 SPS, 64 PPS). 0 for an H.264 VPS.
uint32_t MaxParamSetIds(VideoCodec codec, ParamSetKind kind);

// The kind and id of a whole VPS/SPS/PPS NAL unit (header included). kInvalidArgument if it is no
// parameter set; kMalformed if the id cannot be read or is out of range.
Result<ParamSetId> ReadParamSetId(VideoCodec codec, std::span<const uint8_t> nal);

// The id of the set a PPS refers to (its SPS), or, for an H.265 SPS, its VPS. kInvalidArgument
// for other NAL units; kMalformed if unreadable.
Result<uint32_t> ReadReferencedId(VideoCodec codec, std::span<const uint8_t> nal);

// The pic_parameter_set_id of a slice NAL unit (H.264 types 1..5, H.265 types 0..31).
// kInvalidArgument for other NAL units; kMalformed if unreadable or out of range.
Result<uint32_t> ReadSlicePpsId(VideoCodec codec, std::span<const uint8_t> nal);

class ParameterSets {
 public:
  using Map = std::map<uint32_t, std::vector<uint8_t>>;  // id -> whole NAL unit
  // No set is larger than this (an avcC/hvcC length field is 16 bits), and all sets together
  // stay below kMaxTotalBytes, so a camera cannot make us hold much.
  static constexpr size_t kMaxSetBytes = 0xffff;
  static constexpr size_t kMaxTotalBytes = size_t{1} << 20;

  explicit ParameterSets(VideoCodec codec) : codec_(codec) {}

  // Keeps a parameter-set NAL unit (trailing zero bytes removed), replacing the set of the same
  // kind and id. True if that changed anything (a new id or new bytes for an id); false for a
  // repeat, and for an H.265 set of another layer than the base layer (ignored). Errors as
  // ReadParamSetId, and kMalformed beyond the size bounds; then nothing changes.
  Result<bool> Add(std::span<const uint8_t> nal);

  const Map& sets(ParamSetKind kind) const { return sets_[static_cast<size_t>(kind)]; }
  VideoCodec codec() const { return codec_; }
  bool empty() const;
  // At least one SPS and one PPS (and one VPS for H.265).
  bool Complete() const;
  void Clear();
  bool operator==(const ParameterSets&) const = default;

 private:
  VideoCodec codec_;
  std::array<Map, 3> sets_;
  size_t total_bytes_ = 0;
};

// A decoder configuration: the avcC / hvcC payload and what is read from its primary SPS.
struct DecoderConfig {
  std::vector<uint8_t> record;  // AVCDecoderConfigurationRecord / HEVCDecoderConfigurationRecord
  std::string codec;            // RFC 6381 codec string ("avc1.64001F", "hvc1.1.6.L93.B0")
  uint32_t width = 0, height = 0;
};

// Builds the record from every set in `sets`, each kind in id order. The primary SPS, whose
// profile, level, chroma format and bit depths fill the record's header fields and whose
// dimensions are returned, is the one the PPS `pps_id` (the key frame's) refers to; without
// `pps_id`, the lowest-id SPS. For H.265 the primary VPS is the one that SPS refers to (the
// lowest-id VPS if that one is missing).
// avcC counts hold at most 31 SPS and 255 PPS (§5.3.3.1.2: 5- and 8-bit fields): beyond, the
// highest ids other than the primary ones are left out (a camera that uses that many sends them
// in-band, where they stay in the samples).
// kNotFound if `sets` is not Complete() or `pps_id` (or the SPS it leads to) is not in it;
// errors of ParseH264Sps / ParseH265Sps / BuildAvcC / BuildHvcC otherwise.
Result<DecoderConfig> BuildDecoderConfig(const ParameterSets& sets,
                                         std::optional<uint32_t> pps_id = std::nullopt);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_PARAMETER_SETS_H_
