// Live view of one camera stream: the frames of the current GOP in memory, fed by the stream's
// Streamer (media::FrameObserver), whether or not the stream is recorded, and served three ways:
//   - WebSocket subscribers (live/live_feed.h): fragmented MP4 starting at the latest key frame;
//   - LL-HLS (live/hls_live.h): MPEG-TS segments of whole GOPs with ~0.3 s parts, muxed only
//     while someone is watching (the segmenter starts on the first HLS request, from the
//     buffered GOP, and stops after hls_idle without one);
//   - the latest key frame for JPEG snapshots.
//
// Timeline: everything is placed on the video's 90 kHz decode-time clock. Audio (its own RTP
// clock) is mapped onto it by arrival: the first audio frame after a (re)connection is placed at
// the latest video frame's time plus the difference of their arrival times.
//
// Memory: the current GOP (bounded by max_gop_bytes; a camera with a longer GOP than that gets
// no buffer until its next key frame; only its key frame while unwatched unless
// LiveOptions::always_buffer_gop), per subscriber a bounded queue, and the HLS window while
// HLS is in use. Frame bytes are shared with the recorder (media::Frame::data), not copied.
//
// Thread safety: every member function may be called from any thread; one mutex per stream. The
// observer side runs on the streamer's strand and never blocks beyond that mutex; muxing one
// frame into the HLS segment is done under it (a copy of the frame's bytes).
#ifndef NIGHTJAR_LIVE_LIVE_STREAM_H_
#define NIGHTJAR_LIVE_LIVE_STREAM_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "media/frame.h"

namespace nightjar::live {

class HlsLive;
class LiveFeed;

// A frame on the stream's live timeline.
struct LiveFrame {
  media::Frame frame;
  int64_t dts = 0;  // 90 kHz: video decode time; audio presentation time mapped onto video's
  int64_t pts = 0;  // dts + cto for video; = dts for audio
  // Estimated duration (90 kHz): the previous interval of the same track.
  int64_t duration = 0;
  bool video() const { return frame.track == media::Track::kVideo; }
};

struct LiveOptions {
  size_t max_gop_bytes = 32 << 20;
  // Whether the whole current GOP is kept while nobody watches. True for the streams the web UI's
  // tiles open (sub streams): a new viewer starts at once. False (main streams): only the latest
  // key frame is kept (snapshots) until someone subscribes or asks for HLS; that viewer starts at
  // the next key frame (up to one GOP later), and the GOP is then kept until `gop_idle` after the
  // last viewer left. This is most of a recorded stream's memory (~1 MB at 4 Mbit/s, 2 s GOPs).
  bool always_buffer_gop = true;
  std::chrono::seconds gop_idle{300};
  size_t max_feed_bytes = 8 << 20;  // per WebSocket subscriber before it skips to a key frame
  std::chrono::seconds hls_idle{60};
  int64_t hls_segment_target_90k =
      int64_t{2} * 90000;  // segments cut at the first key frame after this
  // 0.3 s: PART-HOLD-BACK (3 part targets) 0.9 s; whole frames at 10, 15, 20, 25, 30 fps fill
  // at least 85 % of it, as RFC 8216bis §4.4.4.9 asks of every part but a segment's last and
  // independent ones (0.2 s would not at 29.97 fps: five frames, 83 %).
  int64_t hls_part_target_90k = 27000;
  size_t hls_window = 6;  // complete segments listed (and kept)
};

// The latest key frame with what decodes it.
struct KeyFrame {
  media::TrackConfig config;
  media::Bytes data;
  int64_t dts = 0;
};

class LiveStream : public media::FrameObserver, public std::enable_shared_from_this<LiveStream> {
 public:
  // `clock` (wall time for PROGRAM-DATE-TIME and part ages) outlives the stream.
  LiveStream(std::string camera, std::string stream, const nightjar::Clock& clock,
             LiveOptions options = {});
  ~LiveStream() override;

  const std::string& camera() const { return camera_; }
  const std::string& stream() const { return stream_; }

  // media::FrameObserver (the streamer's strand).
  void OnFrame(const media::Frame& frame, const media::TrackConfig* config) override;
  void OnDisconnect() override;
  // A WebSocket subscriber is connected, or LL-HLS is in use (until hls_idle after its last
  // request).
  bool Watched() const override;
  // The camera was removed: subscribers' feeds end, waiters wake.
  void End();

  std::optional<KeyFrame> LatestKeyFrame() const;
  bool streaming() const;

  // A new WebSocket subscriber; it starts with the buffered GOP.
  std::shared_ptr<LiveFeed> Subscribe();

  // LL-HLS (see hls_live.h for the semantics). Each call counts as HLS use (keeps the segmenter
  // running). `query` is appended to URIs in the playlist ("?stream=sub" or "").
  struct PlaylistRequest {
    std::optional<uint64_t> msn;   // _HLS_msn
    std::optional<uint64_t> part;  // _HLS_part
    std::string query;
    // Without msn: a playlist of parts only will do (else it waits for a complete segment).
    bool parts_suffice = false;
  };
  enum class Ready { kYes, kWait, kNever };
  // kYes fills `out`; kWait: not yet (see OnReady); kNever: the request can't be satisfied
  // (an _HLS_msn too far ahead: 400 per RFC 8216bis §6.2.5.2).
  Ready Playlist(const PlaylistRequest& req, std::string* out);
  // Bytes of a complete segment / part. kYes fills `out`; kWait: it is being produced now (the
  // open segment, the next part); kNever: unknown or gone.
  Ready Segment(uint64_t msn, std::vector<uint8_t>* out);
  Ready Part(uint64_t msn, uint64_t part, std::vector<uint8_t>* out);
  // Calls `wake` once when anything new happens (a part, a segment, a disconnect, the end), or at
  // once if `version` is already behind. Used with http::Waiter.
  void OnChange(uint64_t version, std::function<void()> wake);
  uint64_t version() const;

  // For metrics and tests.
  size_t buffered_bytes() const;
  bool hls_active() const;

 private:
  friend class LiveFeed;
  // Monotonic instants, from clock_.MonotonicNanos().
  using Instant = std::chrono::steady_clock::time_point;
  Instant MonotonicNow() const {
    return Instant(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::nanoseconds(clock_.MonotonicNanos())));
  }
  void TouchHlsLocked();
  void WantGopLocked();
  std::vector<std::function<void()>> ChangedLocked();

  const std::string camera_, stream_;
  const nightjar::Clock& clock_;
  const LiveOptions options_;
  int64_t NowUnixMs() const;  // wall time from clock_
  mutable std::mutex mu_;
  std::optional<media::TrackConfig> video_config_, audio_config_;
  uint64_t config_generation_ = 0;  // bumped when the video configuration changes
  std::vector<LiveFrame> gop_;      // from the latest key frame
  size_t gop_bytes_ = 0;
  // gop_ holds every frame since its key frame (else only the key frame: see always_buffer_gop).
  bool gop_whole_ = true;
  Instant gop_wanted_until_{};  // a viewer asked: keep whole GOPs until then
  int64_t last_video_dts_ = 0, last_video_duration_ = 3000;
  int64_t last_audio_pts_ = 0, last_audio_duration_ = 0;
  Instant last_video_arrival_;
  std::optional<int64_t> audio_offset_;  // 90 kHz; audio time -> video timeline
  bool streaming_ = false;
  bool ended_ = false;
  std::vector<std::weak_ptr<LiveFeed>> feeds_;
  std::unique_ptr<HlsLive> hls_;
  Instant hls_last_use_;
  uint64_t hls_next_msn_ = 0;  // carried across segmenter restarts
  uint64_t hls_discontinuities_ = 0;
  uint64_t version_ = 0;
  std::vector<std::function<void()>> waiters_;
};

}  // namespace nightjar::live

#endif  // NIGHTJAR_LIVE_LIVE_STREAM_H_
