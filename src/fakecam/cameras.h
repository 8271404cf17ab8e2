// The simulated cameras of `nightjar fakecam`: URL paths /camK/<clip> (K = 1..N) resolve to a
// StreamSource over a shared prepared clip; each session gets a ClipPlayer that loops the clip
// in real time with monotonically increasing RTP timestamps, as a camera that never stops.
//
// Media-level faults come from the URL query (transport-level ones are the server's):
//   ts_jump_after=S   after S seconds every RTP timestamp jumps forward by ts_jump seconds
//   ts_jump=SECS      size of that jump (default 3600; negative jumps backwards)
// and one measuring aid:
//   stamp=1           each video access unit carries the wall-clock time it was sent, in an SEI
//                     NAL unit before its picture (fakecam/stamp.h)
#ifndef NIGHTJAR_FAKECAM_CAMERAS_H_
#define NIGHTJAR_FAKECAM_CAMERAS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakecam/clip.h"
#include "rtsp/server.h"

namespace nightjar::fakecam {

// Loops `clip`'s chosen tracks from `start`. Not thread-safe (one session's strand).
class ClipPlayer final : public rtsp::StreamPlayer {
 public:
  ClipPlayer(std::shared_ptr<const Clip> clip, rtsp::SteadyTime start,
             const std::vector<size_t>& tracks, const rtsp::QueryParams& query);
  rtsp::SteadyTime Poll(rtsp::SteadyTime now, std::vector<rtsp::OutgoingPacket>& out) override;
  void SkipTo(rtsp::SteadyTime now) override;
  uint32_t RtpTimeAt(size_t track, rtsp::SteadyTime now) const override;

 private:
  struct Cursor {
    size_t track;
    size_t frame = 0;
    int64_t loop = 0;
    int64_t period_ns;  // the loop period in nanoseconds
  };
  rtsp::SteadyTime DueTime(const Cursor& c) const;
  void Advance(Cursor& c) const;
  int64_t JumpTicks(size_t track, rtsp::SteadyTime t) const;

  std::shared_ptr<const Clip> clip_;
  rtsp::SteadyTime start_;
  std::vector<Cursor> cursors_;
  std::optional<rtsp::SteadyTime> jump_at_;
  double jump_secs_ = 3600;
  bool stamp_ = false;
  std::vector<std::vector<uint8_t>> stamps_;  // the SEI units of the last Poll
  int64_t last_stamp_us_ = 0;  // stamps grow strictly: frames sent in one burst stay apart
};

class ClipSource final : public rtsp::StreamSource {
 public:
  explicit ClipSource(std::shared_ptr<const Clip> clip);
  const std::vector<rtsp::ServerTrack>& Tracks() const override { return tracks_; }
  std::unique_ptr<rtsp::StreamPlayer> Play(rtsp::SteadyTime start, std::vector<size_t> tracks,
                                           const rtsp::QueryParams& query) const override;

 private:
  std::shared_ptr<const Clip> clip_;
  std::vector<rtsp::ServerTrack> tracks_;
};

// /camK/main -> the first clip, /camK/sub -> the second (or the first), /camK/<stem> -> the
// clip with that file stem; K in 1..cameras.
class CameraResolver final : public rtsp::StreamResolver {
 public:
  CameraResolver(int cameras, std::vector<std::shared_ptr<const Clip>> clips);
  std::shared_ptr<const rtsp::StreamSource> Resolve(std::string_view path) const override;

 private:
  int cameras_;
  std::map<std::string, std::shared_ptr<const rtsp::StreamSource>, std::less<>> by_name_;
};

}  // namespace nightjar::fakecam

#endif  // NIGHTJAR_FAKECAM_CAMERAS_H_
