// NAL units of H.264 (ITU-T H.264 §7.3.1, Annex B) and H.265 (ITU-T H.265 §7.3.1, Annex B).
//
// Owns: splitting Annex B byte streams and length-prefixed (ISO/IEC 14496-15 "AVCC"/"HVCC")
// buffers into NAL units, converting between the two framings, removing and inserting
// emulation-prevention bytes, and the NAL header helpers (types, names, key frames).
//
// Everything here is a pure function on caller-owned memory: returned spans point into the input
// and live as long as it does. Functions are thread-safe (no shared state). Conversions append to
// a caller's vector so a recorder can reuse one buffer per frame without allocating.
#ifndef NIGHTJAR_CODEC_NAL_H_
#define NIGHTJAR_CODEC_NAL_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar::codec {

enum class VideoCodec { kH264, kH265 };

// H.264 nal_unit_type values (Table 7-1) and the RTP aggregation types of RFC 6184 §5.2.
inline constexpr uint8_t kH264NalSlice = 1;
inline constexpr uint8_t kH264NalIdr = 5;
inline constexpr uint8_t kH264NalSei = 6;
inline constexpr uint8_t kH264NalSps = 7;
inline constexpr uint8_t kH264NalPps = 8;
inline constexpr uint8_t kH264NalAud = 9;
inline constexpr uint8_t kH264NalEndOfSequence = 10;
inline constexpr uint8_t kH264NalEndOfStream = 11;
inline constexpr uint8_t kH264NalFiller = 12;
inline constexpr uint8_t kH264NalSpsExt = 13;
inline constexpr uint8_t kH264NalStapA = 24;
inline constexpr uint8_t kH264NalFuA = 28;

// H.265 nal_unit_type values (Table 7-1) and the RTP types of RFC 7798 §4.4.
inline constexpr uint8_t kH265NalTrailN = 0;
inline constexpr uint8_t kH265NalTrailR = 1;
inline constexpr uint8_t kH265NalBlaWLp = 16;  // first IRAP type
inline constexpr uint8_t kH265NalIdrWRadl = 19;
inline constexpr uint8_t kH265NalIdrNLp = 20;
inline constexpr uint8_t kH265NalCra = 21;
inline constexpr uint8_t kH265NalIrapMax = 23;  // RSV_IRAP_VCL23, last IRAP type
inline constexpr uint8_t kH265NalVps = 32;
inline constexpr uint8_t kH265NalSps = 33;
inline constexpr uint8_t kH265NalPps = 34;
inline constexpr uint8_t kH265NalAud = 35;
inline constexpr uint8_t kH265NalEos = 36;
inline constexpr uint8_t kH265NalEob = 37;
inline constexpr uint8_t kH265NalFd = 38;
inline constexpr uint8_t kH265NalPrefixSei = 39;
inline constexpr uint8_t kH265NalSuffixSei = 40;
inline constexpr uint8_t kH265NalAp = 48;
inline constexpr uint8_t kH265NalFu = 49;

// nal_unit_type from the first header byte.
constexpr uint8_t H264NalType(uint8_t header_byte) { return header_byte & 0x1f; }
constexpr uint8_t H265NalType(uint8_t first_header_byte) { return (first_header_byte >> 1) & 0x3f; }

// Human-readable names for logs ("IDR", "SPS", "CRA_NUT", ...); "unknown" for unassigned types.
std::string_view H264NalTypeName(uint8_t nal_unit_type);
std::string_view H265NalTypeName(uint8_t nal_unit_type);

// nal_unit_type of a whole NAL unit, or -1 if the span is too short for the codec's header
// (1 byte for H.264, 2 for H.265).
int NalType(VideoCodec codec, std::span<const uint8_t> nal);

// True for NAL units that make their access unit a key frame (a random access point): an H.264
// IDR slice (type 5), an H.265 IRAP picture (types 16..23: BLA, IDR, CRA), or an SEI unit holding
// a recovery point message (codec/sei.h: H.264 type 6, H.265 prefix SEI type 39), which is how
// encoders with periodic intra refresh mark where decoding can start. This is Nightjar's one
// definition of a key frame: the depacketizer flags access units with it, and everything that
// starts at key frames (recordings, live GOPs, HLS segments, exports, sync samples) follows that
// flag. False for empty or too-short input and for SEI that cannot be parsed.
//
// Recovery points become sync samples (MP4 `stss`, fMP4 sample flags). ISO/IEC 14496-15 names
// IDR pictures as the AVC sync samples and leaves gradual decoding refresh to the random access
// recovery point sample group (`roll`, ISO/IEC 14496-12 §10.1, roll_distance = the recovery
// count). But players seek only to sync samples, and Media Source Extensions want every fragment
// to start with one, so an intra-refresh stream signalled only by `roll` would be unseekable and
// unplayable live. FFmpeg does the same: its H.264 parser flags recovery points as key frames,
// and its MP4 muxer writes key packets to `stss` (a libx264 --intra-refresh encode through FFmpeg
// lists its recovery points there). A decoder starting at one shows the picture refreshing over
// the recovery count of frames (FFmpeg withholds those frames unless asked to show them).
// Caveat: an open-GOP stream (recovery points on non-IDR I pictures with B pictures referring
// back across them) starts with undecodable leading pictures, as with an H.265 CRA.
bool IsKeyFrameNal(VideoCodec codec, std::span<const uint8_t> nal);

// True for H.264 SPS/PPS or H.265 VPS/SPS/PPS.
bool IsParameterSetNal(VideoCodec codec, std::span<const uint8_t> nal);

// Iterates the NAL units of an Annex B byte stream (start codes 00 00 01 or 00 00 00 01).
// Bytes before the first start code are not a NAL unit and are skipped (a stream normally begins
// with a start code, possibly after leading_zero_8bits). Trailing zero bytes (trailing_zero_8bits,
// and the first zero of a following 4-byte start code) are stripped from each unit; empty units
// are skipped. Never fails: any input is a (possibly empty) sequence of units.
class AnnexBReader {
 public:
  explicit AnnexBReader(std::span<const uint8_t> stream);
  // Sets *nal to the next NAL unit and returns true, or returns false at the end.
  bool Next(std::span<const uint8_t>* nal);

 private:
  std::span<const uint8_t> data_;
  size_t pos_;  // index just past the start code of the next unit, or data_.size()
};

// All NAL units of an Annex B stream (see AnnexBReader).
std::vector<std::span<const uint8_t>> SplitAnnexB(std::span<const uint8_t> stream);

// Splits a buffer of NAL units each preceded by a big-endian length of length_size bytes
// (1, 2 or 4: lengthSizeMinusOne + 1 from avcC/hvcC). kInvalidArgument for another length_size;
// kMalformed if a length runs past the end, the buffer ends inside a length field, or a length is
// zero (a NAL unit has at least a header byte).
Result<std::vector<std::span<const uint8_t>>> SplitLengthPrefixed(std::span<const uint8_t> data,
                                                                  int length_size);

// Appends one NAL unit with a 4-byte big-endian length prefix. kInvalidArgument if the unit is
// longer than 2^32 - 1 bytes (then *out is unchanged).
Result<void> AppendLengthPrefixed(std::span<const uint8_t> nal, std::vector<uint8_t>* out);
// Appends one NAL unit preceded by the 4-byte start code 00 00 00 01.
void AppendAnnexB(std::span<const uint8_t> nal, std::vector<uint8_t>* out);

// Annex B stream -> 4-byte length-prefixed units appended to *out. On error *out is unchanged.
Result<void> AnnexBToLengthPrefixed(std::span<const uint8_t> stream, std::vector<uint8_t>* out);
// Length-prefixed units (length_size 1, 2 or 4) -> Annex B with 4-byte start codes appended to
// *out. Errors as SplitLengthPrefixed; on error *out is unchanged.
Result<void> LengthPrefixedToAnnexB(std::span<const uint8_t> data, int length_size,
                                    std::vector<uint8_t>* out);

// Appends the RBSP of a NAL unit (or any escaped payload) to *rbsp: every 00 00 03 becomes 00 00
// (the 03 is an emulation_prevention_three_byte, H.264 §7.4.1). Never fails.
void UnescapeRbsp(std::span<const uint8_t> nal, std::vector<uint8_t>* rbsp);
std::vector<uint8_t> UnescapeRbsp(std::span<const uint8_t> nal);
// The same into `out`, which has room for nal.size() bytes; returns the RBSP's length.
size_t UnescapeRbsp(std::span<const uint8_t> nal, uint8_t* out);

// The inverse: appends `rbsp` to *out, inserting an emulation_prevention_three_byte wherever two
// zero bytes would be followed by a byte <= 03, and after a final 00 00 (a trailing
// cabac_zero_word, §7.4.1). UnescapeRbsp(EscapeRbsp(x)) == x for every x. Never fails.
void EscapeRbsp(std::span<const uint8_t> rbsp, std::vector<uint8_t>* out);

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_NAL_H_
