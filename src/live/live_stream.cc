#include "live/live_stream.h"

#include <spdlog/spdlog.h>

#include "live/hls_live.h"
#include "live/live_feed.h"

namespace nightjar::live {
namespace {

void Call(std::vector<std::function<void()>>& fns) {
  for (auto& f : fns) {
    if (f) f();
  }
}

}  // namespace

LiveStream::LiveStream(std::string camera, std::string stream, const nightjar::Clock& clock,
                       LiveOptions options)
    : camera_(std::move(camera)), stream_(std::move(stream)), clock_(clock), options_(options) {}

int64_t LiveStream::NowUnixMs() const { return clock_.Now().ticks() / 90; }

LiveStream::~LiveStream() = default;

std::vector<std::function<void()>> LiveStream::ChangedLocked() {
  version_++;
  return std::exchange(waiters_, {});
}

void LiveStream::OnFrame(const media::Frame& frame, const media::TrackConfig* config) {
  const auto now = MonotonicNow();
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
    streaming_ = true;
    const bool video = frame.track == media::Track::kVideo;
    if (config && video && video_config_ != *config) {
      video_config_ = *config;
      config_generation_++;
      gop_.clear();
      gop_bytes_ = 0;
      for (auto& w : feeds_) {
        if (auto f = w.lock()) f->NewConfigLocked();
      }
      if (hls_) {
        if (auto r = hls_->Configure(*video_config_, audio_config_); !r) {
          spdlog::warn("camera {} {}: no live HLS: {}", camera_, stream_, r.error().ToString());
          hls_.reset();
        }
      }
    } else if (config && !video) {
      audio_config_ = *config;
      audio_offset_.reset();
    }
    if (video && !video_config_) return;
    LiveFrame lf;
    lf.frame = frame;
    if (video) {
      lf.dts = frame.media_time;
      lf.pts = frame.media_time + frame.cto;
      if (!gop_.empty() && lf.dts > last_video_dts_ && lf.dts - last_video_dts_ < 90000) {
        last_video_duration_ = lf.dts - last_video_dts_;
      }
      lf.duration = last_video_duration_;
      last_video_dts_ = lf.dts;
      last_video_arrival_ = now;
      if (frame.key) {
        gop_.clear();
        gop_bytes_ = 0;
        gop_whole_ =
            options_.always_buffer_gop || !feeds_.empty() || hls_ || now < gop_wanted_until_;
      } else if (gop_.empty()) {
        return;  // no key frame yet (or the GOP outgrew the buffer)
      }
    } else {
      if (!audio_config_ || audio_config_->clock_rate == 0 || gop_.empty()) return;
      const int64_t rate = audio_config_->clock_rate;
      const int64_t t = frame.media_time * 90000 / rate;
      if (!audio_offset_) {
        const auto lag =
            std::chrono::duration_cast<std::chrono::microseconds>(now - last_video_arrival_);
        audio_offset_ = last_video_dts_ + lag.count() * 9 / 100 - t;
      }
      lf.dts = lf.pts = t + *audio_offset_;
      if (lf.pts > last_audio_pts_ && lf.pts - last_audio_pts_ < 90000) {
        last_audio_duration_ = lf.pts - last_audio_pts_;
      }
      lf.duration = last_audio_duration_ ? last_audio_duration_ : int64_t{1024} * 90000 / rate;
      last_audio_pts_ = lf.pts;
    }
    const size_t size = frame.data ? frame.data->size() : 0;
    if (!gop_whole_ && !(video && frame.key)) {
      // Unwatched: only the key frame is kept; the frame still goes to feeds and HLS below.
    } else if (gop_bytes_ + size > options_.max_gop_bytes) {
      gop_.clear();  // a GOP too long to keep: nothing buffered until the next key frame
      gop_bytes_ = 0;
    } else {
      gop_.push_back(lf);
      gop_bytes_ += size;
    }
    for (auto it = feeds_.begin(); it != feeds_.end();) {
      auto f = it->lock();
      if (!f) {
        it = feeds_.erase(it);
        continue;
      }
      if (auto w = f->PushLocked(lf, video_config_ ? &*video_config_ : nullptr, audio_config_)) {
        wake.push_back(std::move(w));
      }
      ++it;
    }
    if (hls_) {
      if (now - hls_last_use_ > options_.hls_idle) {
        hls_next_msn_ = hls_->next_msn();
        hls_discontinuities_ = hls_->discontinuities() + 1;
        hls_.reset();
      } else {
        const size_t parts_before =
            hls_->segments().empty() ? 0 : hls_->segments().back().parts.size();
        const size_t segs_before = hls_->segments().size();
        const uint64_t next_before = hls_->next_msn();
        hls_->Add(lf, NowUnixMs());
        const bool changed =
            hls_->next_msn() != next_before || hls_->segments().size() != segs_before ||
            (!hls_->segments().empty() && hls_->segments().back().parts.size() != parts_before);
        if (changed) {
          auto w = ChangedLocked();
          wake.insert(wake.end(), w.begin(), w.end());
        }
      }
    }
  }
  Call(wake);
}

void LiveStream::OnDisconnect() {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu_);
    streaming_ = false;
    gop_.clear();
    gop_bytes_ = 0;
    audio_offset_.reset();
    for (auto& w : feeds_) {
      if (auto f = w.lock()) f->need_key_ = true;
    }
    if (hls_) hls_->Break();
    wake = ChangedLocked();
  }
  Call(wake);
}

void LiveStream::End() {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    streaming_ = false;
    gop_.clear();
    gop_bytes_ = 0;
    for (auto& w : feeds_) {
      if (auto f = w.lock()) wake.push_back(f->EndLocked());
    }
    feeds_.clear();
    hls_.reset();
    auto w = ChangedLocked();
    wake.insert(wake.end(), w.begin(), w.end());
  }
  Call(wake);
}

std::optional<KeyFrame> LiveStream::LatestKeyFrame() const {
  std::lock_guard lock(mu_);
  if (gop_.empty() || !video_config_) return std::nullopt;
  return KeyFrame{*video_config_, gop_.front().frame.data, gop_.front().dts};
}

bool LiveStream::Watched() const {
  // Subscribers whose WebSocket closed leave the list at the next frame.
  std::lock_guard lock(mu_);
  return !feeds_.empty() || hls_ != nullptr;
}

bool LiveStream::streaming() const {
  std::lock_guard lock(mu_);
  return streaming_;
}

std::shared_ptr<LiveFeed> LiveStream::Subscribe() {
  auto feed = std::make_shared<LiveFeed>(shared_from_this());
  std::lock_guard lock(mu_);
  if (ended_) {
    feed->ended_ = true;
    return feed;
  }
  feeds_.push_back(feed);
  WantGopLocked();
  if (!gop_whole_) return feed;  // starts at the next key frame
  for (const auto& f : gop_) {
    feed->PushLocked(f, video_config_ ? &*video_config_ : nullptr, audio_config_);
  }
  return feed;
}

void LiveStream::WantGopLocked() { gop_wanted_until_ = MonotonicNow() + options_.gop_idle; }

void LiveStream::TouchHlsLocked() {
  hls_last_use_ = MonotonicNow();
  WantGopLocked();
  if (hls_ || !video_config_ || ended_) return;
  hls_ = std::make_unique<HlsLive>(options_, hls_next_msn_, hls_discontinuities_);
  if (auto r = hls_->Configure(*video_config_, audio_config_); !r) {
    spdlog::warn("camera {} {}: no live HLS: {}", camera_, stream_, r.error().ToString());
    hls_.reset();
    return;
  }
  // Start from the buffered GOP: its parts are available at once (else at the next key frame).
  if (!gop_whole_) return;
  const int64_t now_ms = NowUnixMs();
  for (const auto& f : gop_) hls_->Add(f, now_ms - (last_video_dts_ - f.dts) / 90);
}

LiveStream::Ready LiveStream::Playlist(const PlaylistRequest& req, std::string* out) {
  std::lock_guard lock(mu_);
  TouchHlsLocked();
  if (!hls_) return ended_ ? Ready::kNever : Ready::kWait;
  switch (hls_->PlaylistReady(req.msn, req.part, req.parts_suffice)) {
    case HlsLive::Ready::kNever:
      return Ready::kNever;
    case HlsLive::Ready::kWait:
      return Ready::kWait;
    case HlsLive::Ready::kYes:
      *out = hls_->Playlist(req.query);
      return Ready::kYes;
  }
  return Ready::kNever;
}

LiveStream::Ready LiveStream::Segment(uint64_t msn, std::vector<uint8_t>* out) {
  std::lock_guard lock(mu_);
  TouchHlsLocked();
  if (!hls_) return Ready::kNever;
  return static_cast<Ready>(hls_->GetSegment(msn, out));
}

LiveStream::Ready LiveStream::Part(uint64_t msn, uint64_t part, std::vector<uint8_t>* out) {
  std::lock_guard lock(mu_);
  TouchHlsLocked();
  if (!hls_) return Ready::kNever;
  return static_cast<Ready>(hls_->GetPart(msn, part, out));
}

void LiveStream::OnChange(uint64_t version, std::function<void()> wake) {
  {
    std::lock_guard lock(mu_);
    if (version == version_ && !ended_) {
      waiters_.push_back(std::move(wake));
      return;
    }
  }
  wake();
}

uint64_t LiveStream::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

size_t LiveStream::buffered_bytes() const {
  std::lock_guard lock(mu_);
  return gop_bytes_;
}

bool LiveStream::hls_active() const {
  std::lock_guard lock(mu_);
  return hls_ != nullptr;
}

}  // namespace nightjar::live
