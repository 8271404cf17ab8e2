// One probe: an rtsp::Client run on its own strand, as the streamer runs one (streamer.cc's
// Loop), stopped at the first key frame plus a few frames, or when the budget runs out.
#include "ingest/probe.h"

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <vector>

namespace nightjar::ingest {

namespace asio = boost::asio;

struct Prober::Shared {
  explicit Shared(size_t max) : max_concurrent(max) {}
  const size_t max_concurrent;
  std::atomic<size_t> active{0};
};

namespace {

using SteadyClock = std::chrono::steady_clock;

class ProbeSession : public rtsp::ClientHandler, public std::enable_shared_from_this<ProbeSession> {
 public:
  ProbeSession(asio::io_context& io, ProbeOptions options, std::function<void(ProbeOutcome)> done)
      : strand_(asio::make_strand(io)),
        options_(std::move(options)),
        done_(std::move(done)),
        timer_(strand_) {}

  void Start() {
    auto self = shared_from_this();
    asio::co_spawn(
        strand_, [self] { return self->Run(); }, asio::detached);
  }

  void OnPlaying(const std::vector<rtsp::ClientTrack>& tracks) override {
    playing_ = true;
    for (size_t i = 0; i < tracks.size(); ++i) {
      if (tracks[i].media.media == "video" && !video_track_) video_track_ = i;
      if (tracks[i].media.media == "audio" && !audio_track_) {
        audio_track_ = i;
        if (tracks[i].config) report_.audio = DescribeAudio(*tracks[i].config);
      }
    }
  }

  void OnAccessUnit(size_t track, rtsp::AccessUnit&& unit) override {
    if (finished_) return;
    if (track == audio_track_ && unit.new_config) report_.audio = DescribeAudio(*unit.new_config);
    if (track != video_track_) return;
    if (!key_seen_) {
      if (!unit.key || !unit.new_config) return;
      key_seen_ = true;
      report_.first_frame_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started_)
              .count();
      report_.video = DescribeVideo(*unit.new_config);
      clock_rate_ = unit.new_config->clock_rate;
      if (report_.video.fps_source == "sps") return Finish();
      // Time a few frames; the timer now bounds that window.
      timer_.expires_after(options_.fps_window);
      Arm();
    }
    timestamps_.push_back(unit.timestamp);
    if (timestamps_.size() >= static_cast<size_t>(std::max(2, options_.fps_frames))) Finish();
  }

 private:
  asio::awaitable<void> Run() {
    auto self = shared_from_this();
    started_ = SteadyClock::now();
    rtsp::ClientOptions co = options_.client;
    co.timeout = std::min(co.timeout, options_.budget);
    client_ = std::make_unique<rtsp::Client>(strand_, co, *this);
    timer_.expires_after(options_.budget);
    Arm();
    Result<void> r = co_await client_->Run();
    finished_ = true;
    timer_.cancel();
    ProbeOutcome out;
    if (key_seen_) {
      report_.transport = client_->transport() == rtsp::TransportKind::kTcp ? "tcp" : "udp";
      if (report_.video.fps == 0) {
        report_.video.fps = FpsFromTimestamps(timestamps_, clock_rate_);
        if (report_.video.fps > 0) report_.video.fps_source = "timestamps";
      }
      out.report = std::move(report_);
    } else if (out_of_time_ || r) {
      out.failure = BudgetFailure(playing_, options_.budget);
    } else {
      out.failure = DescribeProbeFailure(r.error(), playing_);
    }
    client_.reset();
    auto done = std::move(done_);
    done(std::move(out));
  }

  // The timer's expiry ends the session: out of budget before the key frame, or the frame-rate
  // window after it.
  void Arm() {
    const uint64_t generation = ++timer_generation_;
    timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
      if (ec || generation != self->timer_generation_ || self->finished_) return;
      if (!self->key_seen_) self->out_of_time_ = true;
      self->Finish();
    });
  }

  void Finish() {
    if (stopping_) return;
    stopping_ = true;
    // Not from inside the client's callback: Stop closes what the callback's caller reads.
    asio::post(strand_, [self = shared_from_this()] {
      if (self->client_) self->client_->Stop();
    });
  }

  asio::strand<asio::io_context::executor_type> strand_;
  const ProbeOptions options_;
  std::function<void(ProbeOutcome)> done_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  std::unique_ptr<rtsp::Client> client_;
  SteadyClock::time_point started_;
  bool playing_ = false, key_seen_ = false, stopping_ = false, finished_ = false;
  bool out_of_time_ = false;
  std::optional<size_t> video_track_, audio_track_;
  uint32_t clock_rate_ = 90000;
  std::vector<int64_t> timestamps_;
  ProbeReport report_;
};

}  // namespace

Prober::Prober(asio::io_context& io, size_t max_concurrent)
    : io_(io), shared_(std::make_shared<Shared>(max_concurrent)) {}

Prober::~Prober() = default;

size_t Prober::active() const { return shared_->active.load(); }

Result<void> Prober::Start(ProbeOptions options, std::function<void(ProbeOutcome)> done) {
  size_t now = shared_->active.load();
  do {
    if (now >= shared_->max_concurrent) {
      return Err(ErrorCode::kFailedPrecondition,
                 std::to_string(shared_->max_concurrent) + " probes are running already");
    }
  } while (!shared_->active.compare_exchange_weak(now, now + 1));
  auto finished = [shared = shared_, done = std::move(done)](ProbeOutcome out) {
    shared->active.fetch_sub(1);
    done(std::move(out));
  };
  std::make_shared<ProbeSession>(io_, std::move(options), std::move(finished))->Start();
  return Ok();
}

}  // namespace nightjar::ingest
