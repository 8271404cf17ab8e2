// A clip prepared for serving: an MP4 file read into memory once, every access unit split into
// RTP payloads once, shared read-only by every session of `nightjar fakecam`. Serving a frame is
// then only a header rewrite and a copy into the socket buffer.
#ifndef NIGHTJAR_FAKECAM_CLIP_H_
#define NIGHTJAR_FAKECAM_CLIP_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fs.h"
#include "codec/nal.h"
#include "rtsp/rtp.h"
#include "rtsp/server.h"

namespace nightjar::fakecam {

// Payloads up to this size keep RTP packets plus IP/UDP headers under a 1500-byte MTU.
inline constexpr size_t kDefaultMaxPayload = 1400;

struct PreparedFrame {
  int64_t dts;  // decode (= send) time on the track's RTP clock, from the clip's start
  int64_t pts;  // presentation time on the RTP clock: the RTP timestamp (RFC 6184 §5.1)
  uint32_t first_packet;
  uint32_t packet_count;
  // Packets that go before a send-time stamp (stamp.h): 1 when the access unit starts with an
  // access unit delimiter, which must come first (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4), else 0.
  uint32_t stamp_at = 0;
  bool key;
};

struct PreparedTrack {
  rtsp::ServerTrack server_track;                // SDP media description and RTP clock rate
  std::optional<codec::VideoCodec> video_codec;  // nullopt for audio
  std::vector<uint8_t> arena;                    // every packet's payload, back to back
  std::vector<rtsp::PayloadRef> packets;
  std::vector<PreparedFrame> frames;  // decode order; frames[0] is a key frame
  int64_t period;                     // the clip's loop period on this track's RTP clock

  std::span<const uint8_t> Payload(const rtsp::PayloadRef& p) const {
    return std::span(arena).subspan(p.offset, p.size);
  }
};

struct Clip {
  std::string name;         // file stem: "main", "sub", "h265", ...
  std::string description;  // "1920x1080 H.264 30 fps + AAC 48000 Hz"
  double period_secs = 0;   // loop period, the video track's duration
  uint64_t video_bitrate = 0;
  std::vector<PreparedTrack> tracks;  // video first, then audio if the clip has it
};

// Reads `path` (an MP4 with one H.264 or H.265 video track and optionally one AAC track),
// inserts the parameter sets in-band before every key frame (as cameras send them), and
// packetizes every frame. Fails with a clear error for unsupported codecs or a clip that does
// not start with a key frame.
Result<std::shared_ptr<const Clip>> LoadClip(Fs& fs, const std::string& path,
                                             size_t max_payload = kDefaultMaxPayload);

}  // namespace nightjar::fakecam

#endif  // NIGHTJAR_FAKECAM_CLIP_H_
