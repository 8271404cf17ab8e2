// The live HLS window of one stream (RFC 8216 and its low-latency extensions, draft-pantos-hls-
// rfc8216bis §4.4.4.9 EXT-X-PART, §4.4.3.8 EXT-X-SERVER-CONTROL, §4.4.5.3 EXT-X-PRELOAD-HINT,
// §6.2.5.2 blocking playlist reload): MPEG-TS segments that start at key frames (cut at the
// first key frame after the segment target), each built incrementally as frames arrive and
// divided into parts of at most the part target (0.3 s). A part is complete as soon as its last
// video frame is muxed (the next frame, of the duration expected, would not fit), and starts with
// a video frame (audio that arrives in between waits for it). A part is a byte range of its
// segment, so the parts of a segment, concatenated, are exactly the segment: one muxer and
// continuous continuity counters serve both.
//
// Media sequence numbers keep increasing across reconnections and configuration changes, which
// start a new segment marked EXT-X-DISCONTINUITY (and a new muxer).
//
// Not thread-safe: owned and locked by its LiveStream.
#ifndef NIGHTJAR_LIVE_HLS_LIVE_H_
#define NIGHTJAR_LIVE_HLS_LIVE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "live/live_stream.h"
#include "mp4/ts_mux.h"

namespace nightjar::live {

// The mp4 layer's description of a live track configuration.
mp4::SampleEntrySpec SpecOf(const media::TrackConfig& c);

class HlsLive {
 public:
  HlsLive(const LiveOptions& options, uint64_t first_msn, uint64_t discontinuity_sequence);

  // (Re)configures the muxer; the next segment starts a discontinuity unless it is the first.
  // Audio other than AAC is left out (MPEG-TS has no standard mapping for G.711 in HLS).
  // kUnsupported for a video codec other than H.264/H.265.
  Result<void> Configure(const media::TrackConfig& video,
                         const std::optional<media::TrackConfig>& audio);
  // Adds a frame; `wall_ms` is its wall-clock time (Unix ms, for EXT-X-PROGRAM-DATE-TIME).
  // Video before the first key frame (and audio before the first video) is skipped.
  void Add(const LiveFrame& f, int64_t wall_ms);
  // The stream stopped (disconnect, new configuration): the open segment is closed as it is.
  void Break();

  struct Part {
    size_t begin = 0, end = 0;  // byte range in the segment
    int64_t duration = 0;       // 90 kHz
    bool independent = false;   // starts with a key frame
  };
  struct Segment {
    uint64_t msn = 0;
    int64_t start_dts = 0;
    int64_t duration = 0;  // 90 kHz; so far, for the open segment
    int64_t wall_ms = 0;
    bool complete = false;
    bool discontinuity = false;
    std::vector<uint8_t> ts;
    std::vector<Part> parts;  // complete parts
    // The open part.
    size_t part_begin = 0;
    int64_t part_start_dts = 0;
    bool part_independent = false;
  };

  enum class Ready { kYes, kWait, kNever };
  // Whether the playlist can answer _HLS_msn / _HLS_part now. Without them it waits for a
  // complete segment (players without LL-HLS see only those), unless `parts_suffice`.
  Ready PlaylistReady(std::optional<uint64_t> msn, std::optional<uint64_t> part,
                      bool parts_suffice = false) const;
  std::string Playlist(const std::string& query) const;
  Ready GetSegment(uint64_t msn, std::vector<uint8_t>* out) const;
  Ready GetPart(uint64_t msn, uint64_t part, std::vector<uint8_t>* out) const;

  // The msn the next segment will get; the discontinuity count (for a restarted window).
  uint64_t next_msn() const { return next_msn_; }
  uint64_t discontinuities() const { return discontinuities_total_; }
  const std::deque<Segment>& segments() const { return segments_; }

 private:
  const Segment* Find(uint64_t msn) const;
  void CloseSegment(int64_t end_dts);
  void ClosePart(int64_t end_dts);
  void Trim();
  void WriteAudio(const LiveFrame& f, Segment& s);

  // Audio frames that came after a part closed early wait for the next video frame (at most
  // this many: a stream whose video stopped does not grow it).
  static constexpr size_t kMaxHeldAudio = 64;

  const LiveOptions options_;
  std::unique_ptr<mp4::TsMuxer> mux_;
  bool have_audio_ = false;
  bool pending_discontinuity_ = false;
  std::optional<int64_t> base_dts_;  // timestamps given to the muxer are relative to it
  uint64_t next_msn_;
  uint64_t discontinuity_sequence_;  // of the first listed segment
  uint64_t discontinuities_total_;
  std::deque<Segment> segments_;  // the last one may be open
  int64_t last_video_dts_ = 0;
  std::vector<uint8_t> scratch_;
  std::vector<LiveFrame> held_audio_;
};

}  // namespace nightjar::live

#endif  // NIGHTJAR_LIVE_HLS_LIVE_H_
