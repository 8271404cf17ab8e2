#include "live/hls_live.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace nightjar::live {
namespace {

std::string Seconds(int64_t ticks) { return fmt::format("{:.5f}", ticks / 90000.0); }

std::string IsoMs(int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(unix_ms % 1000));
}

}  // namespace

mp4::SampleEntrySpec SpecOf(const media::TrackConfig& c) {
  mp4::SampleEntrySpec s;
  s.codec = c.codec;
  s.config = c.config;
  if (c.kind == media::TrackConfig::Kind::kVideo) {
    s.kind = mp4::SampleEntrySpec::Kind::kVideo;
    s.width = static_cast<uint16_t>(c.width);
    s.height = static_cast<uint16_t>(c.height);
  } else {
    s.kind = mp4::SampleEntrySpec::Kind::kAudio;
    s.sample_rate = c.clock_rate;
    s.channels = static_cast<uint16_t>(c.channels);
  }
  return s;
}

HlsLive::HlsLive(const LiveOptions& options, uint64_t first_msn, uint64_t discontinuity_sequence)
    : options_(options),
      next_msn_(first_msn),
      discontinuity_sequence_(discontinuity_sequence),
      discontinuities_total_(discontinuity_sequence) {}

Result<void> HlsLive::Configure(const media::TrackConfig& video,
                                const std::optional<media::TrackConfig>& audio) {
  std::vector<mp4::SampleEntrySpec> a;
  if (audio && audio->codec.starts_with("mp4a")) a.push_back(SpecOf(*audio));
  NJ_TRY(mux_, mp4::TsMuxer::Create({SpecOf(video)}, a));
  have_audio_ = !a.empty();
  Break();
  if (!segments_.empty()) pending_discontinuity_ = true;
  base_dts_.reset();
  return Ok();
}

void HlsLive::Break() {
  if (!segments_.empty() && !segments_.back().complete) {
    const Segment& s = segments_.back();
    CloseSegment(s.start_dts + s.duration);
  }
  pending_discontinuity_ = !segments_.empty();
  base_dts_.reset();
  held_audio_.clear();
}

void HlsLive::ClosePart(int64_t end_dts) {
  Segment& s = segments_.back();
  if (s.ts.size() == s.part_begin) return;
  s.parts.push_back({s.part_begin, s.ts.size(), end_dts - s.part_start_dts, s.part_independent});
  s.part_begin = s.ts.size();
  s.part_start_dts = end_dts;
  s.part_independent = false;
}

void HlsLive::CloseSegment(int64_t end_dts) {
  ClosePart(end_dts);
  Segment& s = segments_.back();
  s.duration = end_dts - s.start_dts;
  s.complete = true;
  s.ts.shrink_to_fit();
  Trim();
}

void HlsLive::Trim() {
  size_t complete = 0;
  for (const auto& s : segments_) complete += s.complete;
  while (complete > options_.hls_window && segments_.front().complete) {
    segments_.pop_front();
    complete--;
    if (!segments_.empty() && segments_.front().discontinuity) discontinuity_sequence_++;
  }
}

void HlsLive::Add(const LiveFrame& f, int64_t wall_ms) {
  if (!mux_) return;
  if (f.video()) {
    const bool open = !segments_.empty() && !segments_.back().complete;
    if (!open && !f.frame.key) return;
    if (!base_dts_) base_dts_ = f.dts;
    if (f.frame.key &&
        (!open || f.dts - segments_.back().start_dts >= options_.hls_segment_target_90k)) {
      if (open) CloseSegment(f.dts);
      Segment s;
      s.msn = next_msn_++;
      s.start_dts = f.dts;
      s.wall_ms = wall_ms;
      s.discontinuity = pending_discontinuity_;
      if (s.discontinuity) discontinuities_total_++;
      pending_discontinuity_ = false;
      s.part_start_dts = f.dts;
      s.part_independent = true;
      s.ts.reserve(1 << 20);
      segments_.push_back(std::move(s));
    } else {
      Segment& s = segments_.back();
      // A part ends where adding this frame would take it past the part target (a frame later
      // than expected, or a part left open by the early close below not being taken).
      if (f.dts + f.duration - s.part_start_dts > options_.hls_part_target_90k) {
        ClosePart(f.dts);
        if (f.frame.key) s.part_independent = true;
      }
    }
    Segment& s = segments_.back();
    const auto r = mux_->WriteVideo(0, f.dts - *base_dts_, f.pts - *base_dts_, f.frame.key,
                                    *f.frame.data, &s.ts);
    if (!r) spdlog::debug("hls: frame not muxed: {}", r.error().ToString());
    for (const LiveFrame& a : held_audio_) WriteAudio(a, s);
    held_audio_.clear();
    const int64_t end = f.dts + f.duration;
    s.duration = end - s.start_dts;
    last_video_dts_ = f.dts;
    // A part is complete as soon as a frame of the expected duration would not fit any more:
    // closed now rather than when that frame comes, so a blocking playlist reload for it is
    // answered a frame interval earlier (RFC 8216bis §6.2.5.2). Its duration is the estimated
    // end of this frame; the next part starts there.
    if (end + f.duration - s.part_start_dts > options_.hls_part_target_90k) ClosePart(end);
    return;
  }
  if (!have_audio_ || !base_dts_ || segments_.empty() || segments_.back().complete) return;
  Segment& s = segments_.back();
  if (s.ts.size() == s.part_begin && held_audio_.size() < kMaxHeldAudio) {
    held_audio_.push_back(f);  // the part closed early: it starts with the next video frame
    return;
  }
  WriteAudio(f, s);
}

void HlsLive::WriteAudio(const LiveFrame& f, Segment& s) {
  const auto r = mux_->WriteAudio(0, f.pts - *base_dts_, *f.frame.data, &s.ts);
  if (!r) spdlog::debug("hls: audio not muxed: {}", r.error().ToString());
}

const HlsLive::Segment* HlsLive::Find(uint64_t msn) const {
  for (const auto& s : segments_) {
    if (s.msn == msn) return &s;
  }
  return nullptr;
}

HlsLive::Ready HlsLive::PlaylistReady(std::optional<uint64_t> msn, std::optional<uint64_t> part,
                                      bool parts_suffice) const {
  if (!msn) {
    for (const auto& s : segments_) {
      if (s.complete || (parts_suffice && !s.parts.empty())) return Ready::kYes;
    }
    return Ready::kWait;
  }
  if (*msn > next_msn_ + 1) return Ready::kNever;  // more than two segments ahead
  for (const auto& s : segments_) {
    if (s.msn > *msn) return Ready::kYes;
    if (s.msn != *msn) continue;
    if (s.complete) return Ready::kYes;
    if (part && s.parts.size() > *part) return Ready::kYes;
    return Ready::kWait;
  }
  if (!segments_.empty() && *msn < segments_.front().msn) return Ready::kYes;  // long gone
  return Ready::kWait;
}

HlsLive::Ready HlsLive::GetSegment(uint64_t msn, std::vector<uint8_t>* out) const {
  const Segment* s = Find(msn);
  if (!s) return msn == next_msn_ ? Ready::kWait : Ready::kNever;
  if (!s->complete) return Ready::kWait;
  out->assign(s->ts.begin(), s->ts.end());
  return Ready::kYes;
}

HlsLive::Ready HlsLive::GetPart(uint64_t msn, uint64_t part, std::vector<uint8_t>* out) const {
  const Segment* s = Find(msn);
  if (!s) return msn == next_msn_ && part == 0 ? Ready::kWait : Ready::kNever;
  if (part < s->parts.size()) {
    const Part& p = s->parts[part];
    out->assign(s->ts.begin() + static_cast<ptrdiff_t>(p.begin),
                s->ts.begin() + static_cast<ptrdiff_t>(p.end));
    return Ready::kYes;
  }
  return !s->complete && part == s->parts.size() ? Ready::kWait : Ready::kNever;
}

std::string HlsLive::Playlist(const std::string& query) const {
  int64_t longest = options_.hls_segment_target_90k;
  for (const auto& s : segments_) longest = std::max(longest, s.duration);
  const int64_t target = (longest + 90000 - 1) / 90000;
  const int64_t part_target = options_.hls_part_target_90k;
  std::string p = "#EXTM3U\n#EXT-X-VERSION:6\n";
  p += fmt::format("#EXT-X-TARGETDURATION:{}\n", target);
  // PART-HOLD-BACK: at least three part targets (RFC 8216bis §4.4.3.8: MUST be at least two,
  // SHOULD be at least three), where players in low-latency mode play.
  p += fmt::format("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={}\n",
                   Seconds(3 * part_target));
  p += fmt::format("#EXT-X-PART-INF:PART-TARGET={}\n", Seconds(part_target));
  p += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", segments_.empty() ? 0 : segments_.front().msn);
  p += fmt::format("#EXT-X-DISCONTINUITY-SEQUENCE:{}\n", discontinuity_sequence_);
  p += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  // Parts are listed for the segments of about the last three target durations.
  const size_t with_parts = segments_.size() > 3 ? segments_.size() - 3 : 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (s.discontinuity && i > 0) p += "#EXT-X-DISCONTINUITY\n";
    if (i == 0 || s.discontinuity) p += "#EXT-X-PROGRAM-DATE-TIME:" + IsoMs(s.wall_ms) + "\n";
    if (i >= with_parts) {
      for (size_t k = 0; k < s.parts.size(); ++k) {
        p += fmt::format("#EXT-X-PART:DURATION={},URI=\"part/ts/{}.{}.ts{}\"{}\n",
                         Seconds(s.parts[k].duration), s.msn, k, query,
                         s.parts[k].independent ? ",INDEPENDENT=YES" : "");
      }
    }
    if (s.complete) {
      p += fmt::format("#EXTINF:{},\nsegment/ts/{}.ts{}\n", Seconds(s.duration), s.msn, query);
    }
  }
  if (!segments_.empty() && !segments_.back().complete) {
    const Segment& s = segments_.back();
    p += fmt::format("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part/ts/{}.{}.ts{}\"\n", s.msn,
                     s.parts.size(), query);
  }
  return p;
}

}  // namespace nightjar::live
