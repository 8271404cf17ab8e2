#include "live/live_feed.h"

#include <nlohmann/json.hpp>

#include "live/hls_live.h"
#include "mp4/fmp4.h"

namespace nightjar::live {

LiveFeed::LiveFeed(std::shared_ptr<LiveStream> stream) : stream_(std::move(stream)) {}

std::function<void()> LiveFeed::PushLocked(const LiveFrame& f, const media::TrackConfig* video,
                                           const std::optional<media::TrackConfig>& audio) {
  if (closed_ || ended_) return nullptr;
  if (need_key_) {
    if (!f.video() || !f.frame.key || !video) return nullptr;
    need_key_ = false;
    if (need_init_) {
      video_ = *video;
      audio_ = audio && audio->codec.starts_with("mp4a") ? audio : std::nullopt;
      audio_rate_ = audio_ ? audio_->clock_rate : 0;
    }
  }
  const size_t size = f.frame.data ? f.frame.data->size() : 0;
  if (bytes_ + size > stream_->options_.max_feed_bytes) {
    // The client is not keeping up: drop what waits and start again at the next key frame.
    queue_.clear();
    bytes_ = 0;
    need_key_ = true;
    skips_++;
    return nullptr;
  }
  if (!f.video() && !audio_) return nullptr;
  queue_.push_back(f);
  bytes_ += size;
  return std::move(wake_);
}

void LiveFeed::NewConfigLocked() {
  need_init_ = true;
  need_key_ = true;
  queue_.clear();
  bytes_ = 0;
}

std::function<void()> LiveFeed::EndLocked() {
  ended_ = true;
  return std::move(wake_);
}

Result<void> LiveFeed::InitLocked(std::vector<http::WsMessage>* out) {
  std::vector<mp4::FragmentedTrack> tracks;
  tracks.push_back({SpecOf(*video_), 90000});
  std::string codecs = video_->codec;
  if (audio_) {
    tracks.push_back({SpecOf(*audio_), audio_rate_});
    codecs += "," + audio_->codec;
  }
  NJ_TRY(std::vector<uint8_t> init, mp4::WriteInitSegment(tracks));
  const nlohmann::json j = {{"type", "init"},
                            {"mime", "video/mp4; codecs=\"" + codecs + "\""},
                            {"width", video_->width},
                            {"height", video_->height},
                            {"camera", stream_->camera()},
                            {"stream", stream_->stream()}};
  const std::string text = j.dump();
  out->push_back({true, std::vector<uint8_t>(text.begin(), text.end())});
  out->push_back({false, std::move(init)});
  need_init_ = false;
  return Ok();
}

Result<void> LiveFeed::Take(std::vector<http::WsMessage>* out) {
  std::lock_guard lock(stream_->mu_);
  if (queue_.empty() && (ended_ || closed_)) return Err(ErrorCode::kClosed, "the stream ended");
  while (!queue_.empty()) {
    LiveFrame f = std::move(queue_.front());
    queue_.pop_front();
    const size_t size = f.frame.data->size();
    bytes_ -= size;
    if (need_init_) NJ_CHECK_OK(InitLocked(out));
    if (f.video()) {
      // Decode times continue from the last frame sent, whatever the camera's clock did.
      if (!base_ || f.dts - *base_ < next_time_ - 90000 || f.dts - *base_ > next_time_ + 90000) {
        base_ = f.dts - next_time_;
      }
    } else if (!base_) {
      continue;
    }
    mp4::TrackRun run;
    if (f.video()) {
      run.track_id = 1;
      run.base_decode_time = static_cast<uint64_t>(f.dts - *base_);
      run.samples.push_back({static_cast<uint32_t>(f.duration), static_cast<uint32_t>(size),
                             f.frame.cto, f.frame.key});
      next_time_ = f.dts - *base_ + f.duration;
    } else {
      const int64_t t = f.pts - *base_;
      if (t < 0) continue;
      run.track_id = 2;
      run.base_decode_time = static_cast<uint64_t>(t * audio_rate_ / 90000);
      run.samples.push_back(
          {static_cast<uint32_t>(f.duration * audio_rate_ / 90000), static_cast<uint32_t>(size)});
    }
    std::vector<uint8_t> msg = mp4::WriteFragmentHeader(sequence_++, {run});
    msg.insert(msg.end(), f.frame.data->begin(), f.frame.data->end());
    out->push_back({false, std::move(msg)});
    frames_sent_++;
  }
  return Ok();
}

void LiveFeed::OnReady(std::function<void()> wake) {
  {
    std::lock_guard lock(stream_->mu_);
    if (queue_.empty() && !ended_ && !closed_) {
      wake_ = std::move(wake);
      return;
    }
  }
  wake();
}

void LiveFeed::Close() {
  std::lock_guard lock(stream_->mu_);
  closed_ = true;
  queue_.clear();
  bytes_ = 0;
  wake_ = nullptr;
}

uint64_t LiveFeed::frames_sent() const {
  std::lock_guard lock(stream_->mu_);
  return frames_sent_;
}

uint64_t LiveFeed::skips() const {
  std::lock_guard lock(stream_->mu_);
  return skips_;
}

}  // namespace nightjar::live
