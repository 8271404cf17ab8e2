// One live-view subscriber of a LiveStream, as the messages of a WebSocket (http::MessageFeed):
//   1. a text message, JSON: {"type":"init","mime":"video/mp4; codecs=\"avc1.640028,mp4a.40.2\"",
//      "width":1920,"height":1080,"camera":"cam1","stream":"main"} — what a Media Source
//      Extensions client needs for addSourceBuffer;
//   2. a binary message: the fMP4 init segment (ftyp + moov; track 1 video at 90 kHz, track 2
//      AAC at its sample rate when the stream has AAC audio);
//   3. binary messages: one fragment (moof + mdat) per frame, from the latest key frame on.
// A new configuration (resolution change) repeats 1 and 2 before its first key frame. Decode
// times run on from 0 without going back, across reconnections of the camera.
//
// A subscriber that does not keep up (its queue over LiveOptions::max_feed_bytes) loses what is
// queued and resumes at the next key frame, so a slow client gets a jump, never a broken picture
// or unbounded memory.
//
// Thread safety: the stream pushes under its mutex; Take/OnReady/Close take the same mutex.
#ifndef NIGHTJAR_LIVE_LIVE_FEED_H_
#define NIGHTJAR_LIVE_LIVE_FEED_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "http/body_source.h"
#include "live/live_stream.h"

namespace nightjar::live {

class LiveFeed : public http::MessageFeed {
 public:
  explicit LiveFeed(std::shared_ptr<LiveStream> stream);

  // http::MessageFeed.
  Result<void> Take(std::vector<http::WsMessage>* out) override;
  void OnReady(std::function<void()> wake) override;
  void Close() override;

  uint64_t frames_sent() const;
  uint64_t skips() const;  // times the queue overflowed and was dropped

 private:
  friend class LiveStream;
  // Called by the stream with its mutex held; returns the wake callback to call after unlocking.
  std::function<void()> PushLocked(const LiveFrame& f, const media::TrackConfig* video,
                                   const std::optional<media::TrackConfig>& audio);
  void NewConfigLocked();
  std::function<void()> EndLocked();
  Result<void> InitLocked(std::vector<http::WsMessage>* out);

  std::shared_ptr<LiveStream> stream_;
  std::deque<LiveFrame> queue_;
  size_t bytes_ = 0;
  bool need_key_ = true, need_init_ = true, ended_ = false, closed_ = false;
  std::optional<media::TrackConfig> video_, audio_;  // as of the init segment to send
  uint32_t audio_rate_ = 0;
  std::optional<int64_t> base_;  // live dts -> fragment decode time
  int64_t next_time_ = 0;        // decode time after the last frame sent
  uint32_t sequence_ = 1;
  uint64_t frames_sent_ = 0, skips_ = 0;
  std::function<void()> wake_;
};

}  // namespace nightjar::live

#endif  // NIGHTJAR_LIVE_LIVE_FEED_H_
