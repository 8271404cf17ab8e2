#include "ingest/streamer.h"

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include <spdlog/spdlog.h>
#include "base/buffer_pool.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "ingest/probe.h"

namespace nightjar::ingest {

namespace asio = boost::asio;

namespace {

// Frames held while the database is busy (a sample entry or Record() pending): ~30 s of a
// 30 fps stream with audio. Beyond it the oldest are shed, counted, and the run ends.
constexpr size_t kMaxQueued = 2000;

// The reorder depth a video configuration declares (see decode_time.h).
uint32_t ReorderDepth(const rtsp::TrackConfig& c) {
  if (c.codec.starts_with("avc1")) {
    auto avcc = codec::ParseAvcC(c.config);
    if (!avcc || avcc->sps.empty()) return 2;
    auto sps = codec::ParseH264Sps(avcc->sps.front());
    if (!sps) return 2;
    if (sps->max_num_reorder_frames) return *sps->max_num_reorder_frames;
    return sps->profile_idc == 66 ? 0 : 2;  // Baseline has no B slices
  }
  auto hvcc = codec::ParseHvcC(c.config);
  if (!hvcc) return 2;
  auto nals = hvcc->NalUnitsOfType(33);
  if (nals.empty()) return 2;
  auto sps = codec::ParseH265Sps(nals.front());
  return sps ? sps->max_num_reorder_pics : 2;
}

std::string_view TransportName(rtsp::TransportKind t) {
  return t == rtsp::TransportKind::kTcp ? "tcp" : "udp";
}

std::string EntryKey(const rtsp::TrackConfig& c) {
  std::string key = c.codec;
  key.push_back('\0');
  key.append(c.config.begin(), c.config.end());
  return key;
}

db::SampleEntryRow EntryRow(const rtsp::TrackConfig& c) {
  db::SampleEntryRow row;
  row.codec = c.codec;
  row.config = c.config;
  if (c.kind == rtsp::TrackConfig::Kind::kVideo) {
    row.kind = db::SampleEntryKind::kVideo;
    row.width = c.width;
    row.height = c.height;
  } else {
    row.kind = db::SampleEntryKind::kAudio;
    row.sample_rate = c.clock_rate;
    row.channels = c.channels;
  }
  return row;
}

}  // namespace

ReconnectPlan PlanReconnect(int failures, bool delivered, bool healthy) {
  if (delivered && healthy) {
    failures = 0;
  } else if (delivered) {
    failures = std::min(failures, 1);
  }
  ++failures;
  return {failures, delivered ? failures - 1 : failures};
}

std::string_view StreamStateName(StreamState s) {
  switch (s) {
    case StreamState::kConnecting:
      return "connecting";
    case StreamState::kStreaming:
      return "streaming";
    case StreamState::kBackoff:
      return "backoff";
    case StreamState::kFailed:
      return "failed";
    case StreamState::kStopped:
      return "stopped";
  }
  return "unknown";
}

Streamer::Streamer(asio::io_context& io, asio::thread_pool& blocking, storage::Engine& engine,
                   const Clock& clock, StreamerOptions options)
    : strand_(asio::make_strand(io)),
      blocking_(blocking),
      engine_(engine),
      clock_(clock),
      options_(std::move(options)) {
  stats_.camera = options_.camera;
  stats_.kind = std::string(db::StreamKindName(options_.kind));
  stats_.stream_id = options_.stream_id;
  stats_.record = options_.record;
  stats_.since = clock_.Now();
}

Streamer::~Streamer() = default;

template <typename F>
void Streamer::Blocking(F&& fn) {
  asio::post(blocking_, std::forward<F>(fn));
}

void Streamer::Start() {
  auto self = shared_from_this();
  asio::co_spawn(
      strand_, [self] { return self->Loop(); }, asio::detached);
}

void Streamer::Stop(std::function<void()> done) {
  auto self = shared_from_this();
  asio::post(strand_, [self, done = std::move(done)]() mutable {
    if (self->finished_) {  // the loop already ended (it gave up): nothing left to stop
      done();
      return;
    }
    self->done_.push_back(std::move(done));
    if (self->stopping_) return;
    self->stopping_ = true;
    if (self->client_) self->client_->Stop();
    if (self->backoff_timer_) self->backoff_timer_->cancel();
  });
}

void Streamer::AddObserver(std::shared_ptr<media::FrameObserver> observer) {
  auto slot = std::make_shared<ObserverSlot>();
  slot->observer = std::move(observer);
  std::lock_guard lock(mu_);
  observers_.push_back(std::move(slot));
  observers_version_.fetch_add(1, std::memory_order_release);
}

void Streamer::RemoveObserver(const media::FrameObserver* observer) {
  std::lock_guard lock(mu_);
  std::erase_if(observers_, [&](const auto& slot) { return slot->observer.get() == observer; });
  observers_version_.fetch_add(1, std::memory_order_release);
}

StreamStats Streamer::Stats() const {
  std::lock_guard lock(mu_);
  StreamStats s = stats_;
  // Rates describe the last window only; a silent stream reads zero.
  if ((clock_.Now() - window_start_).ticks() > 10 * kTicksPerSecond) s.fps = s.bitrate_bps = 0;
  return s;
}

asio::awaitable<void> Streamer::Loop() {
  auto self = shared_from_this();
  int failures = 0;
  while (!stopping_) {
    {
      std::lock_guard lock(mu_);
      stats_.state = StreamState::kConnecting;
      stats_.since = clock_.Now();
    }
    ++generation_;
    rtsp::ClientOptions client = options_.client;
    if (learned_transport_) client.transport = *learned_transport_;
    client.low_latency = low_latency_;
    client_ = std::make_unique<rtsp::Client>(strand_, client, *this);
    const int64_t started_ns = clock_.MonotonicNanos();
    const uint64_t frames_before = stats_.frames;
    Result<void> r = co_await client_->Run();
    const bool delivered = stats_.frames > frames_before && video_track_.has_value();
    const rtsp::TransportKind switched_to = client_->transport();
    EndSession();
    client_.reset();
    if (stopping_) break;
    if (!delivered && switched_to != client.transport) {
      // SETUP was refused on one transport and the other failed too (some cameras close the
      // connection after a 461): the next session starts with the other one.
      learned_transport_ = switched_to;
    } else if (!delivered && learned_transport_ &&
               *learned_transport_ != options_.client.transport) {
      learned_transport_.reset();  // what worked once does not now: start over as configured
    }
    const auto lasted = std::chrono::nanoseconds(clock_.MonotonicNanos() - started_ns);
    const ReconnectPlan plan =
        PlanReconnect(failures, delivered, lasted >= options_.backoff.healthy_after);
    failures = plan.failures;
    std::string why = r ? "the session ended" : r.error().ToString();
    if (!fatal_.empty()) why = std::exchange(fatal_, "");
    // Errors may quote what the camera sent: keep logs and status printable and short.
    why = PrintableReason(std::move(why));
    spdlog::warn("camera {} {}: {}", options_.camera, db::StreamKindName(options_.kind), why);
    {
      std::lock_guard lock(mu_);
      stats_.last_error = why;
      stats_.last_error_at = clock_.Now();
    }
    if (options_.max_reconnect_attempts > 0 && failures > options_.max_reconnect_attempts) {
      std::lock_guard lock(mu_);
      stats_.state = StreamState::kFailed;
      stats_.since = clock_.Now();
      spdlog::error("camera {} {}: giving up after {} failed attempts", options_.camera,
                    db::StreamKindName(options_.kind), failures);
      break;
    }
    if (plan.backoff_steps > 0 && !co_await Backoff(plan.backoff_steps)) break;
    std::lock_guard lock(mu_);
    ++stats_.reconnects;
  }
  {
    std::lock_guard lock(mu_);
    if (stats_.state != StreamState::kFailed) stats_.state = StreamState::kStopped;
    stats_.since = clock_.Now();
  }
  stopping_ = true;
  finished_ = true;
  for (auto& done : done_) done();
  done_.clear();
}

asio::awaitable<bool> Streamer::Backoff(int failures) {
  // 1 s, 2 s, 4 s ... capped; ±20% jitter so cameras behind one switch do not reconnect in step.
  static thread_local std::mt19937 rng{std::random_device{}()};
  auto delay = options_.backoff.initial * (1LL << std::min(failures - 1, 16));
  delay = std::min<std::chrono::milliseconds>(delay, options_.backoff.max);
  const double jitter = std::uniform_real_distribution<double>(0.8, 1.2)(rng);
  {
    std::lock_guard lock(mu_);
    stats_.state = StreamState::kBackoff;
    stats_.since = clock_.Now();
  }
  backoff_timer_.emplace(strand_);
  backoff_timer_->expires_after(
      std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(delay.count()) * jitter)));
  boost::system::error_code ec;
  co_await backoff_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  backoff_timer_.reset();
  co_return !stopping_;
}

void Streamer::EndSession() {
  // Frames held for decode times, then the queue, go to the recorder before the run ends.
  scratch_.clear();
  decode_times_.Flush(scratch_);
  for (auto& out : scratch_) {
    out.item.frame.media_time = out.dts;
    out.item.frame.cto = out.cto;
    Emit(std::move(out.item));
  }
  decode_times_.Reset();
  if (recording_) {
    Drain();  // whatever can still be recorded; frames waiting for the database are dropped
    recording_->recorder().Flush(clock_.Now());
    recorded_base_ += recording_->recorder().frames_recorded();
    shed_base_ += recording_->recorder().frames_shed() + queue_.size();
    std::lock_guard lock(mu_);
    stats_.frames_recorded = recorded_base_;
    stats_.frames_shed = shed_base_;
  }
  recording_.reset();
  recording_pending_ = false;
  queue_.clear();
  video_track_.reset();
  audio_track_.reset();
  audio_config_.reset();
  audio_config_sent_ = false;
  video_config_.reset();
  audio_entry_applied_ = false;
  resolving_ = false;
  std::vector<std::shared_ptr<ObserverSlot>> observers;
  {
    std::lock_guard lock(mu_);
    observers = observers_;
    const SessionCounters current = Current();
    PublishCounters(current);
    ended_.lost += current.lost;
    ended_.dropped += current.dropped;
    ended_.resyncs += current.resyncs;
    ended_.skipped_bytes += current.skipped_bytes;
    ended_.dropped_packets += current.dropped_packets;
    ended_.restarts += current.restarts;
  }
  for (const auto& slot : observers) {
    slot->has_video = slot->has_audio = false;  // the next session brings new configurations
    slot->observer->OnDisconnect();
  }
  strand_observers_.clear();  // refreshed at the next frame; removed observers are let go now
  strand_observers_version_ = 0;
}

Streamer::SessionCounters Streamer::Current() const {
  SessionCounters c;
  if (!client_) return c;
  for (const auto& t : client_->track_stats()) {
    c.lost += t.lost;
    c.dropped += t.dropped;
    c.dropped_packets += t.implausible + t.wrong_payload_type;
    c.restarts += t.restarts;
  }
  c.resyncs = client_->stats().resyncs;
  c.skipped_bytes = client_->stats().skipped_bytes;
  return c;
}

void Streamer::PublishCounters(const SessionCounters& c) {
  stats_.packets_lost = ended_.lost + c.lost;
  stats_.frames_dropped = ended_.dropped + c.dropped;
  stats_.resyncs = ended_.resyncs + c.resyncs;
  stats_.skipped_bytes = ended_.skipped_bytes + c.skipped_bytes;
  stats_.dropped_packets = ended_.dropped_packets + c.dropped_packets;
  stats_.rtp_restarts = ended_.restarts + c.restarts;
}

void Streamer::OnPlaying(const std::vector<rtsp::ClientTrack>& tracks) {
  const rtsp::TransportKind used = client_->transport();
  if (used != options_.client.transport && learned_transport_ != used) {
    spdlog::warn("camera {} {}: the camera refused {}; recording over {} (kept until restart)",
                 options_.camera, db::StreamKindName(options_.kind),
                 TransportName(options_.client.transport), TransportName(used));
  }
  learned_transport_ = used;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const bool video = tracks[i].media.media == "video";
    if (video && !video_track_) video_track_ = i;
    if (!video && !audio_track_ && tracks[i].config) {
      audio_track_ = i;
      audio_config_ = tracks[i].config;
    }
  }
  {
    std::lock_guard lock(mu_);
    stats_.state = StreamState::kStreaming;
    stats_.since = clock_.Now();
    stats_.sessions++;
    stats_.audio_codec = audio_config_ ? audio_config_->codec : "";
    stats_.transport = std::string(TransportName(used));
    window_start_ = clock_.Now();  // Stats() reads it from other threads
  }
  window_frames_ = window_bytes_ = 0;
  spdlog::info("camera {} {}: streaming ({} track{})", options_.camera,
               db::StreamKindName(options_.kind), tracks.size(), tracks.size() == 1 ? "" : "s");
  if (!options_.record) return;
  // Record() reads the stream's row: off the network thread. The first session's first
  // recording is shortened by the stagger.
  recording_pending_ = true;
  const Duration90k stagger = started_session_ ? Duration90k() : options_.stagger;
  started_session_ = true;
  const uint32_t audio_rate = audio_config_ ? audio_config_->clock_rate : 0;
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  Blocking([self, gen, stagger, audio_rate] {
    auto r = self->engine_.Record(self->options_.stream_id, audio_rate, stagger);
    std::shared_ptr<Result<std::unique_ptr<storage::StreamRecording>>> shared =
        std::make_shared<Result<std::unique_ptr<storage::StreamRecording>>>(std::move(r));
    asio::post(self->strand_, [self, gen, shared] {
      if (gen != self->generation_ || !self->recording_pending_) return;
      self->recording_pending_ = false;
      if (!*shared) {
        self->fatal_ = "cannot record: " + shared->error().ToString();
        if (self->client_) self->client_->Stop();
        return;
      }
      self->recording_ = std::move(**shared);
      self->Drain();
    });
  });
}

void Streamer::OnAccessUnit(size_t track, rtsp::AccessUnit&& unit) {
  const Time90k now = clock_.Now();
  const bool video = video_track_ && track == *video_track_;
  if (!video && !(audio_track_ && track == *audio_track_)) return;
  window_frames_ += video ? 1 : 0;
  window_bytes_ += unit.data.size();
  {
    std::lock_guard lock(mu_);
    (video ? stats_.frames : stats_.audio_frames)++;
    stats_.bytes += unit.data.size();
    if (video && unit.new_config) {
      stats_.video_codec = unit.new_config->codec;
      stats_.width = unit.new_config->width;
      stats_.height = unit.new_config->height;
    }
  }
  UpdateRates(now);
  Queued q;
  q.arrival = now;
  q.frame.track = video ? storage::Track::kVideo : storage::Track::kAudio;
  q.frame.key = unit.key;
  // The depacketizer's buffer, shared without a copy; it goes back to the pool (for a later
  // access unit) when the last holder (the disk writer, the live GOP) drops the frame.
  q.frame.data = BufferPool::Default().Share(std::move(unit.data));
  if (!video) {
    q.frame.media_time = unit.timestamp;
    if (!audio_config_sent_) q.config = audio_config_;
    audio_config_sent_ = true;
    Emit(std::move(q));
    return;
  }
  q.config = std::move(unit.new_config);
  scratch_.clear();
  if (q.config) {
    video_config_ = q.config;
    // A new configuration may declare another reorder depth: settle what is held first.
    decode_times_.Flush(scratch_);
    const uint32_t depth = ReorderDepth(*q.config);
    decode_times_ = DecodeTimeAssigner<Queued>(depth);
  }
  const int64_t pts = unit.timestamp;
  decode_times_.Push(std::move(q), pts, scratch_);
  for (auto& out : scratch_) {
    out.item.frame.media_time = out.dts;
    out.item.frame.cto = out.cto;
    Emit(std::move(out.item));
  }
}

void Streamer::UpdateRates(Time90k now) {
  const int64_t elapsed = (now - window_start_).ticks();
  if (elapsed < 5 * kTicksPerSecond) return;
  const double secs = static_cast<double>(elapsed) / kTicksPerSecond;
  std::lock_guard lock(mu_);
  if (recording_) {  // the recorder's counts so far, live
    stats_.frames_recorded = recorded_base_ + recording_->recorder().frames_recorded();
    stats_.frames_shed = shed_base_ + recording_->recorder().frames_shed();
  }
  PublishCounters(Current());
  stats_.fps = static_cast<double>(window_frames_) / secs;
  stats_.bitrate_bps = static_cast<double>(window_bytes_) * 8 / secs;
  window_start_ = now;
  window_frames_ = window_bytes_ = 0;
}

const std::vector<std::shared_ptr<Streamer::ObserverSlot>>& Streamer::CurrentObservers() {
  if (observers_version_.load(std::memory_order_acquire) != strand_observers_version_) {
    std::lock_guard lock(mu_);
    strand_observers_ = observers_;
    strand_observers_version_ = observers_version_.load(std::memory_order_relaxed);
  }
  return strand_observers_;
}

void Streamer::Emit(Queued q) {
  const auto& observers = CurrentObservers();
  const bool video = q.frame.track == storage::Track::kVideo;
  const std::optional<rtsp::TrackConfig>& current = video ? video_config_ : audio_config_;
  bool watched = false;
  for (const auto& slot : observers) {
    watched |= slot->observer->Watched();
    // An observer added after the session began has not seen the configurations its first
    // frames need: hand it the current one with the first frame of each track.
    bool& has = video ? slot->has_video : slot->has_audio;
    const rtsp::TrackConfig* config = q.config ? &*q.config : nullptr;
    if (!config && !has && current) config = &*current;
    has |= config != nullptr;
    slot->observer->OnFrame(q.frame, config);
  }
  if (watched != low_latency_) {
    // A viewer came or the last one left: the client reads at the pace that suits (rtsp/client.h).
    low_latency_ = watched;
    if (client_) client_->SetLowLatency(watched);
    std::lock_guard lock(mu_);
    stats_.low_latency = watched;
  }
  if (!options_.record) return;
  if (queue_.size() >= kMaxQueued) {
    // The database has not answered for a long time: shed the oldest; the gap ends the run.
    queue_.pop_front();
    std::lock_guard lock(mu_);
    stats_.frames_shed++;
  }
  queue_.push_back(std::move(q));
  Drain();
}

void Streamer::Drain() {
  if (recording_ && !resolving_ && audio_config_ && !audio_entry_applied_) {
    // The audio's sample entry is known from the SDP: give it to the recorder before the first
    // key frame, so the first recording carries audio rather than being cut when it arrives.
    auto it = entry_ids_.find(EntryKey(*audio_config_));
    if (it == entry_ids_.end()) {
      Resolve(*audio_config_);
      return;
    }
    recording_->recorder().SetAudioSampleEntry(it->second);
    audio_entry_applied_ = true;
  }
  while (recording_ && !resolving_ && !queue_.empty()) {
    Queued& q = queue_.front();
    if (q.config) {
      auto it = entry_ids_.find(EntryKey(*q.config));
      if (it == entry_ids_.end()) {
        Resolve(*q.config);
        return;
      }
      storage::Recorder& rec = recording_->recorder();
      if (q.config->kind == rtsp::TrackConfig::Kind::kVideo) {
        rec.SetVideoSampleEntry(it->second);
      } else {
        rec.SetAudioSampleEntry(it->second);
      }
    }
    recording_->recorder().OnFrame(q.frame, q.arrival);
    queue_.pop_front();
  }
}

void Streamer::Resolve(const rtsp::TrackConfig& config) {
  resolving_ = true;
  auto self = shared_from_this();
  const uint64_t gen = generation_;
  Blocking([self, gen, config] {
    Result<int64_t> id = self->engine_.SampleEntry(EntryRow(config));
    asio::post(self->strand_, [self, gen, config, id] {
      if (gen != self->generation_) return;
      self->resolving_ = false;
      if (!id) {
        self->fatal_ = "cannot store codec parameters: " + id.error().ToString();
        if (self->client_) self->client_->Stop();
        return;
      }
      self->entry_ids_[EntryKey(config)] = *id;
      self->Drain();
    });
  });
}

}  // namespace nightjar::ingest
