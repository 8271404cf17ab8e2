// Per-stream ingest statistics for the status command, the API and /metrics.
#ifndef NIGHTJAR_INGEST_STREAM_STATS_H_
#define NIGHTJAR_INGEST_STREAM_STATS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"

namespace nightjar::ingest {

enum class StreamState { kConnecting, kStreaming, kBackoff, kFailed, kStopped };
std::string_view StreamStateName(StreamState s);  // "connecting", "streaming", ...

struct StreamStats {
  std::string camera;
  std::string kind;  // "main" / "sub"
  int64_t stream_id = 0;
  bool record = true;
  StreamState state = StreamState::kConnecting;
  Time90k since;            // wall time the state began
  uint64_t sessions = 0;    // connections that reached PLAY
  uint64_t reconnects = 0;  // attempts after the first
  std::string last_error;   // empty when none yet
  Time90k last_error_at;
  std::string video_codec;  // RFC 6381 string of the current video configuration
  uint32_t width = 0, height = 0;
  std::string audio_codec;  // empty without audio
  // Totals since start (all sessions).
  uint64_t frames = 0;  // video access units received
  uint64_t audio_frames = 0;
  uint64_t bytes = 0;  // access-unit bytes received (video and audio)
  uint64_t packets_lost = 0;
  uint64_t frames_dropped = 0;   // damaged or undecodable access units dropped by depacketizing
  uint64_t frames_recorded = 0;  // handed to storage (video and audio)
  uint64_t frames_shed = 0;      // refused because the disk fell behind, or before a key frame
  uint64_t resyncs = 0;          // junk skipped on the interleaved TCP stream (rtsp/resync.h)
  uint64_t skipped_bytes = 0;    // junk bytes those resyncs skipped
  // RTP packets dropped as not of the stream: not RTP v2, another payload type or SSRC, a
  // sequence number far off (UDP junk, strays); see rtsp::TrackReceiver::OnRtp.
  uint64_t dropped_packets = 0;
  uint64_t rtp_restarts = 0;  // SSRC changes and sequence resets followed without reconnecting
  // The transport of the current (or last) session: "tcp" or "udp"; empty before the first
  // SETUP. Differs from the configured one when the camera refused that (kept until restart).
  std::string transport;
  // Someone watches the stream live: the client reads without batching (rtsp::ClientOptions'
  // pacing); false while it is only recorded.
  bool low_latency = false;
  // Over the last few seconds; zero when nothing arrives.
  double fps = 0;
  double bitrate_bps = 0;
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_STREAM_STATS_H_
