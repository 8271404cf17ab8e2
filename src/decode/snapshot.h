// Still pictures from recorded video: one stored key frame decoded and re-encoded as a JPEG.
//
// Owns: the only use of FFmpeg in Nightjar (CONVENTIONS.md: "FFmpeg in one adapter"). libavcodec
// decodes H.264 (ITU-T H.264) and H.265 (ITU-T H.265) and encodes baseline JPEG (ITU-T T.81,
// JFIF); libswscale converts and scales between them. No FFmpeg type or header appears in this
// interface, and the module's FFmpeg dependency is private to it.
//
// Input is treated as hostile (it comes from cameras via the sample files): the decoder
// configuration is parsed by src/codec before FFmpeg sees it, the frame's NAL framing is checked,
// the picture size is bounded (kMaxSnapshotPixels), and a picture the decoder reports as damaged
// (concealed macroblocks) or that is not intra-coded is an error rather than a snapshot. The
// damage check is only as good as the decoder's: libavcodec's H.264 decoder detects most damaged
// slice data, its H.265 decoder does not (damaged H.265 slice data gives a garbled picture).
//
// FFmpeg's own log lines never reach stderr: on first use a process-wide av_log callback is
// installed (once) that keeps the first error-level line logged on the calling thread during a
// call, to be appended to the returned Error's message, and drops everything else.
#ifndef NIGHTJAR_DECODE_SNAPSHOT_H_
#define NIGHTJAR_DECODE_SNAPSHOT_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar::decode {

// Pictures with more luma samples than this (8192 x 8192) are refused before the decoder
// allocates them: a hostile SPS cannot make a snapshot take gigabytes.
inline constexpr int64_t kMaxSnapshotPixels = int64_t{8192} * 8192;

struct SnapshotOptions {
  // 0: the decoded picture's own size. Otherwise a wider picture is scaled down (aspect ratio of
  // the sample grid kept; sample aspect ratio is not applied) to at most this width. Pictures are
  // never scaled up. Width and height are then rounded down to even numbers (at least 2).
  uint32_t max_width = 0;
  // JPEG quantizer scale, 2 (best, largest) .. 31 (worst, smallest), as ffmpeg's -q:v.
  int quality = 3;
};

// Decodes one key frame and encodes it as a baseline JPEG (4:2:0, full-range "yuvj420p"; a
// limited-range source is expanded to full range, colour matrix coefficients are kept as they
// are).
//
//  - `codec`: the stream's RFC 6381 codec string (RFC 6381 §3.3; ISO/IEC 14496-15 Annex E), e.g.
//    "avc1.640028" or "hvc1.1.6.L120.90". Only the sample entry type before the first '.' is read:
//    avc1/avc3 select H.264, hvc1/hev1 select H.265.
//  - `config`: the avcC / hvcC box payload (AVCDecoderConfigurationRecord, ISO/IEC 14496-15
//    §5.3.3.1; HEVCDecoderConfigurationRecord, §8.3.3.1), as mp4::SampleEntrySpec::config and
//    rtsp::TrackConfig::config hold it. Its lengthSizeMinusOne must be 3.
//  - `frame`: one access unit as stored in sample files: NAL units each preceded by a 4-byte
//    big-endian length. In-band parameter sets in it are used (they override `config`'s).
//
// Returns the complete JPEG file (SOI .. EOI). `config` and `frame` are only read during the call.
//
// Blocking and CPU-heavy (tens of milliseconds for 1080p): call it on a blocking pool, never on
// an io_context thread. Thread-safe: every call has its own decoder, scaler and encoder, so calls
// may run concurrently on any threads.
//
// Errors:
//  - kUnsupported: another codec ("mp4a.40.2", "vp09..."), a lengthSizeMinusOne other than 3, or
//    a pixel format the scaler cannot read.
//  - kInvalidArgument: `options.quality` outside 2..31.
//  - kMalformed: an empty, unparsable, oversized (> 1 MiB) or mismatched `config`; an empty
//    frame or one whose NAL lengths do not tile it exactly; a frame the decoder refuses; no
//    picture (e.g. a frame whose slices are missing); a damaged picture; a picture that is neither
//    a key frame nor intra-coded (a P frame); a picture larger than kMaxSnapshotPixels.
//  - kInternal: FFmpeg could not allocate or set up the scaler or the JPEG encoder.
// Messages say which step failed, with FFmpeg's error text and log line where there is one, e.g.
// "h264 decoder refused the frame: Invalid data found when processing input (...)".
Result<std::vector<uint8_t>> KeyFrameToJpeg(std::string_view codec, std::span<const uint8_t> config,
                                            std::span<const uint8_t> frame,
                                            const SnapshotOptions& options = {});

}  // namespace nightjar::decode

#endif  // NIGHTJAR_DECODE_SNAPSHOT_H_
