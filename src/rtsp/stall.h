// When a playing session counts as stalled: the connection is up, RTSP may still answer, but no
// media arrives (a hung encoder). Silence is the time since the last RTP packet of the session
// (any track; packets dropped as implausible do not count), so a large key frame still arriving
// is not silence. The limit scales with the stream: max(kMinStall, kStallFactor x the longest
// interval between access units seen in this session), never beyond the configured timeout,
// which alone applies until the first access unit (cameras may take seconds to send their first
// key frame). A 30 fps camera is given up after 2 s of silence instead of the full timeout; a
// 1 fps camera (or one with bursty delivery) after four of its longest gaps.
//
// Pure bookkeeping on monotonic instants the caller passes in: no clock, no I/O.
//
// Thread safety: one instance per session, used from its strand.
#ifndef NIGHTJAR_RTSP_STALL_H_
#define NIGHTJAR_RTSP_STALL_H_

#include <chrono>
#include <optional>

namespace nightjar::rtsp {

inline constexpr std::chrono::nanoseconds kMinStall = std::chrono::seconds(2);
inline constexpr int kStallFactor = 4;

class StallDetector {
 public:
  using Duration = std::chrono::nanoseconds;
  // `timeout`: the configured media timeout (the first-frame wait, and the limit's ceiling).
  explicit StallDetector(Duration timeout) : timeout_(timeout) {}

  // PLAY succeeded at `now` (monotonic): the first-frame wait starts.
  void Start(Duration now);
  // An RTP packet of the session arrived at `now`.
  void OnPacket(Duration now) { last_packet_ = now; }
  // An access unit was completed at `now` (its packet was passed to OnPacket too).
  void OnMedia(Duration now);
  // How long silence may last now.
  Duration Limit() const;
  // Whether the silence at `now` exceeds the limit. False before Start.
  bool Stalled(Duration now) const;
  std::optional<Duration> longest_interval() const { return longest_; }

 private:
  Duration timeout_;
  std::optional<Duration> started_, last_packet_, last_media_, longest_;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_STALL_H_
