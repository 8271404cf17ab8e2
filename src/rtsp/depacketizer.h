// Depacketizers: RTP payloads (already in sequence order, see reorder.h) back into access units.
// H.264 (RFC 6184 non-interleaved mode: single NAL unit, STAP-A, FU-A), H.265 (RFC 7798: single
// NAL unit, AP, FU; no DONL), AAC (RFC 3640 mpeg4-generic AAC-hbr/lbr with AU headers and
// fragmented AUs) and G.711 (RFC 3551 PCMU/PCMA). I/O-free and fuzzed.
//
// Video access units come out in AVCC form (4-byte big-endian lengths), exactly the bytes the
// camera sent per NAL unit, parameter sets included when sent in-band. The depacketizer tracks the
// stream's parameter sets by kind and id (from sprop-* fmtp parameters; an in-band set replaces
// the one of the same id) and reports a new decoder configuration (avcC/hvcC holding every set,
// codec/parameter_sets.h) with the key frame that first uses it. A repeat of known sets changes
// nothing. Key frames are IDR / IRAP access units or ones with a recovery point SEI
// (codec::IsKeyFrameNal), so streams with periodic intra refresh and no IDR are recorded.
//
// Camera quirks handled (each has a test in depacketizer_quirks_test.cc):
// - Annex B start codes inside single-NAL payloads or sprop-parameter-sets: split into NAL units.
// - The marker bit set on a packet that ends no picture (e.g. an SEI): an access unit ends on a
//   marker only once it holds a slice.
// - Parameter sets or SEI sent with a timestamp of their own (no slice): when the timestamp
//   changes they are kept and lead the next access unit, which takes its timestamp.
// - Missing marker bits: a new timestamp ends the previous access unit.
// - Parameter sets only in-band (no sprop-*): nothing is emitted until a key frame whose
//   parameter sets are known. In-band parameter sets replace the SDP's of the same id (which
//   may be stale).
// - Several SPS/PPS ids in use (e.g. slices alternating between PPS 0 and 1, some sent only in
//   the SDP): all are kept in the decoder configuration.
// - No IDR at all (periodic intra refresh): recovery point SEIs are the key frames.
// - Loss (a gap in sequence numbers, a FU without its start or end): the damaged access unit is
//   dropped and video output resumes at the next key frame. A gap inside an unfinished access
//   unit is blamed on that one (its tail, marker included, was lost); a gap after a finished one
//   damages the next. Audio loses only the access units the gap touched.
// - Broken sprop-* parameters are ignored (the in-band ones are used).
//
// Limits (kMalformed beyond): 16 MiB per access unit, 1024 NAL units per access unit.
//
// Memory: access units' buffers are taken from a BufferPool (base/buffer_pool.h); give them back
// (BufferPool::Give, or share them with BufferPool::Share) to keep the steady path free of
// allocations. A video frame's buffer is reserved from the size of the frame before it (plus an
// eighth, rounded up to the pool's size class) and doubles if that is short; a key frame's is
// then trimmed to at most a quarter over its size, as the live view keeps it for a GOP.
//
// Thread safety: one instance per stream, used from one thread.
#ifndef NIGHTJAR_RTSP_DEPACKETIZER_H_
#define NIGHTJAR_RTSP_DEPACKETIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/buffer_pool.h"
#include "base/error.h"
#include "media/frame.h"
#include "rtsp/sdp.h"

namespace nightjar::rtsp {

using media::TrackConfig;  // media/frame.h

struct AccessUnit {
  int64_t timestamp = 0;  // unwrapped RTP timestamp (clock_rate units) of the first packet
  bool key = false;       // video: a random access point (codec::IsKeyFrameNal); audio: always true
  // Set on the key frame that starts using a new decoder configuration (and on the first one).
  std::optional<TrackConfig> new_config;
  std::vector<uint8_t> data;  // video: AVCC with 4-byte lengths; audio: one raw access unit.
                              // From the depacketizer's BufferPool.
};

// One RTP packet handed to a depacketizer, in sequence order.
struct DepacketizerInput {
  int64_t timestamp;  // unwrapped RTP timestamp
  bool marker;
  bool loss_before;  // packets were lost (or skipped by the reorder buffer) just before this one
  std::span<const uint8_t> payload;
};

class Depacketizer {
 public:
  virtual ~Depacketizer() = default;

  // Consumes one packet; appends any access units it completes to `out`. Fails with kMalformed
  // on payloads that break the payload format (the caller should reconnect): malformed
  // aggregation packets, lengths that do not fit, NAL units larger than 16 MiB, unknown
  // parameter sets that cannot be parsed. Loss is not an error (see above).
  virtual Result<void> Push(const DepacketizerInput& packet, std::vector<AccessUnit>& out) = 0;

  // The configuration known so far (from SDP or in-band), if complete.
  virtual std::optional<TrackConfig> config() const = 0;

  // Access units dropped because of loss or missing parameter sets.
  virtual uint64_t dropped() const = 0;
};

// Creates the depacketizer for one SDP media section. kUnsupported for encodings we do not
// record (the caller skips that track), kMalformed for fmtp parameters that cannot be parsed
// (e.g. broken sprop-parameter-sets are ignored, not fatal; a missing AAC config is fatal).
// Access units' buffers come from `pool`, which must outlive the depacketizer.
Result<std::unique_ptr<Depacketizer>> MakeDepacketizer(const SdpMediaDescription& media,
                                                       BufferPool& pool = BufferPool::Default());

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_DEPACKETIZER_H_
