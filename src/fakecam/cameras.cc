#include "fakecam/cameras.h"

#include <algorithm>
#include <cstdlib>

#include "base/strings.h"
#include "fakecam/stamp.h"

namespace nightjar::fakecam {

using std::chrono::nanoseconds;

namespace {
int64_t TicksToNanos(int64_t ticks, uint32_t clock) {
  return static_cast<int64_t>(static_cast<__int128>(ticks) * 1'000'000'000 / clock);
}

int64_t UnixMicrosNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ClipPlayer::ClipPlayer(std::shared_ptr<const Clip> clip, rtsp::SteadyTime start,
                       const std::vector<size_t>& tracks, const rtsp::QueryParams& query)
    : clip_(std::move(clip)), start_(start) {
  for (size_t t : tracks) {
    const PreparedTrack& pt = clip_->tracks[t];
    if (pt.frames.empty()) continue;
    cursors_.push_back({t, 0, 0, TicksToNanos(pt.period, pt.server_track.clock_rate)});
  }
  if (auto it = query.find("ts_jump_after"); it != query.end()) {
    jump_at_ = start + std::chrono::duration_cast<nanoseconds>(
                           std::chrono::duration<double>(std::atof(it->second.c_str())));
  }
  if (auto it = query.find("ts_jump"); it != query.end()) {
    jump_secs_ = std::atof(it->second.c_str());
  }
  if (auto it = query.find("stamp"); it != query.end()) stamp_ = it->second != "0";
}

rtsp::SteadyTime ClipPlayer::DueTime(const Cursor& c) const {
  const PreparedTrack& t = clip_->tracks[c.track];
  return start_ + nanoseconds(c.loop * c.period_ns +
                              TicksToNanos(t.frames[c.frame].dts, t.server_track.clock_rate));
}

void ClipPlayer::Advance(Cursor& c) const {
  if (++c.frame == clip_->tracks[c.track].frames.size()) {
    c.frame = 0;
    ++c.loop;
  }
}

int64_t ClipPlayer::JumpTicks(size_t track, rtsp::SteadyTime t) const {
  if (!jump_at_ || t < *jump_at_) return 0;
  return static_cast<int64_t>(jump_secs_ * clip_->tracks[track].server_track.clock_rate);
}

rtsp::SteadyTime ClipPlayer::Poll(rtsp::SteadyTime now, std::vector<rtsp::OutgoingPacket>& out) {
  rtsp::SteadyTime next = rtsp::SteadyTime::max();
  stamps_.clear();
  for (Cursor& c : cursors_) {
    const PreparedTrack& t = clip_->tracks[c.track];
    const bool stamp = stamp_ && t.video_codec;
    for (rtsp::SteadyTime due = DueTime(c); due <= now; due = DueTime(c)) {
      const PreparedFrame& f = t.frames[c.frame];
      const auto ts = static_cast<uint32_t>(f.pts + c.loop * t.period + JumpTicks(c.track, due));
      for (uint32_t i = 0; i < f.packet_count; ++i) {
        if (stamp && i == f.stamp_at) {
          // Sent now, before the packets that follow, as a single NAL unit packet (RFC 6184
          // §5.6, RFC 7798 §4.4.1) with the frame's timestamp.
          last_stamp_us_ = std::max(UnixMicrosNow(), last_stamp_us_ + 1);
          stamps_.push_back(StampSei(*t.video_codec, last_stamp_us_));
          out.push_back({c.track, stamps_.back(), ts, false});
        }
        const rtsp::PayloadRef& p = t.packets[f.first_packet + i];
        out.push_back({c.track, t.Payload(p), ts, p.marker});
      }
      Advance(c);
    }
    next = std::min(next, DueTime(c));
  }
  return next;
}

void ClipPlayer::SkipTo(rtsp::SteadyTime now) {
  for (Cursor& c : cursors_) {
    while (DueTime(c) < now) Advance(c);
  }
}

uint32_t ClipPlayer::RtpTimeAt(size_t track, rtsp::SteadyTime now) const {
  const uint32_t clock = clip_->tracks[track].server_track.clock_rate;
  auto ns = std::chrono::duration_cast<nanoseconds>(now - start_).count();
  int64_t ticks = static_cast<int64_t>(static_cast<__int128>(ns) * clock / 1'000'000'000);
  // The first frame's presentation offset (B-frame reordering delay) keeps RTCP consistent
  // with the packets' timestamps.
  ticks += clip_->tracks[track].frames[0].pts - clip_->tracks[track].frames[0].dts;
  return static_cast<uint32_t>(ticks + JumpTicks(track, now));
}

ClipSource::ClipSource(std::shared_ptr<const Clip> clip) : clip_(std::move(clip)) {
  for (const auto& t : clip_->tracks) tracks_.push_back(t.server_track);
}

std::unique_ptr<rtsp::StreamPlayer> ClipSource::Play(rtsp::SteadyTime start,
                                                     std::vector<size_t> tracks,
                                                     const rtsp::QueryParams& query) const {
  return std::make_unique<ClipPlayer>(clip_, start, tracks, query);
}

CameraResolver::CameraResolver(int cameras, std::vector<std::shared_ptr<const Clip>> clips)
    : cameras_(cameras) {
  for (size_t i = 0; i < clips.size(); ++i) {
    auto source = std::make_shared<ClipSource>(clips[i]);
    by_name_.emplace(clips[i]->name, source);
    if (i == 0) by_name_["main"] = source;
    if (i == 1 || (i == 0 && clips.size() == 1)) by_name_["sub"] = source;
  }
}

std::shared_ptr<const rtsp::StreamSource> CameraResolver::Resolve(std::string_view path) const {
  // "/cam<K>/<name>"
  if (!path.starts_with("/cam")) return nullptr;
  path.remove_prefix(4);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return nullptr;
  auto k = ParseInt64(path.substr(0, slash), 1, cameras_);
  if (!k) return nullptr;
  auto it = by_name_.find(path.substr(slash + 1));
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace nightjar::fakecam
