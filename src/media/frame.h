// Media as it flows inside Nightjar: one access unit of one track (Frame), what a decoder needs
// to describe a track (TrackConfig), and the interface of whatever consumes a stream's frames
// (FrameObserver: the live buffer, soon motion detection). Ingest produces them; storage, live
// and decode consume them, without depending on one another.
#ifndef NIGHTJAR_MEDIA_FRAME_H_
#define NIGHTJAR_MEDIA_FRAME_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nightjar::media {

// Immutable, shared between the recorder, the writer queue and live viewers.
using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

enum class Track : uint8_t { kVideo = 0, kAudio = 1 };

struct Frame {
  Track track = Track::kVideo;
  // Decode time on the camera's clock, unwrapped: 90 kHz for video, the sample rate for audio.
  int64_t media_time = 0;
  int32_t cto = 0;  // composition offset (pts - dts), 90 kHz, video with B-frames only
  // Video: a random access point (codec::IsKeyFrameNal: IDR / IRAP, or a recovery point SEI of
  // a stream with periodic intra refresh). Recordings, live GOPs, HLS segments and exports start
  // at these, and they are the sync samples of what is served.
  bool key = false;
  Bytes data;  // video: AVCC/HVCC (4-byte lengths); audio: a raw access unit
};

// What the storage engine needs to describe a track (db::SampleEntryRow without ids), and what
// a depacketizer reports when a stream's decoder configuration changes.
struct TrackConfig {
  enum class Kind { kVideo, kAudio } kind = Kind::kVideo;
  std::string codec;               // RFC 6381 ("avc1.640028", "hvc1.1.6.L120.90", "mp4a.40.2"),
                                   // "ulaw" or "alaw"
  std::vector<uint8_t> config;     // avcC / hvcC payload, AudioSpecificConfig, or empty for G.711
  uint32_t width = 0, height = 0;  // video, from the SPS
  uint32_t clock_rate = 90000;     // RTP clock: 90000 video, sample rate audio
  uint32_t channels = 0;           // audio
  bool operator==(const TrackConfig&) const = default;
};

// Receives every frame of one camera stream, recorded or not. A streamer feeds any number of
// them. Called on the stream's strand, in order; must not block (hand work to a thread of your
// own).
class FrameObserver {
 public:
  virtual ~FrameObserver() = default;
  // `config` is set on the first frame of each track the observer sees and whenever the track's
  // configuration changes.
  virtual void OnFrame(const Frame& frame, const TrackConfig* config) = 0;
  // The session ended (the next frames, if any, come from a new session with new configs).
  virtual void OnDisconnect() = 0;
  // Someone watches the stream live through this observer now: the source should hand frames
  // over as soon as they arrive rather than in batches (rtsp::Client::SetLowLatency). Asked on
  // the source's thread with every frame; must be cheap.
  virtual bool Watched() const { return false; }
};

}  // namespace nightjar::media

#endif  // NIGHTJAR_MEDIA_FRAME_H_
