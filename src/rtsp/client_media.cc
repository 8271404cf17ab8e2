// The RTSP client's media phase: interleaved and UDP RTP/RTCP into the track receivers,
// keepalives within the session timeout (RFC 2326 §12.37), receiver reports (RFC 3550 §6.4.2),
// the deadline watchdog, and the queued writer that keeps requests whole on the TCP stream.
#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>

#include "base/clock.h"
#include "rtsp/client_session.h"
#include "rtsp/rtcp.h"
#include "rtsp/udp_batch.h"

namespace nightjar::rtsp {

namespace asio = boost::asio;

namespace {
// UDP batches a session reads from one socket before the strand's other work gets a turn (a
// tick brings a frame or two: rarely more than one batch).
constexpr size_t kMaxBatchesPerTurn = 8;
}  // namespace

asio::awaitable<Result<void>> Client::Session::MediaLoop() {
  auto self = shared_from_this();
  // From here the stall detector (stall.h) watches the media, not deadline_.
  stall_.Start(Clock::now().time_since_epoch());
  bool polled = false;
  for (size_t i = 0; i < udp_.size(); ++i) {
    polled = polled || udp_[i].rtp;
    if (!udp_[i].rtcp) continue;
    asio::co_spawn(
        executor_, [self, i] { return self->UdpLoop(i); }, asio::detached);
  }
  if (polled) NJ_CO_CHECK_OK(StartUdpPoll());
  asio::co_spawn(
      executor_, [self] { return self->Keepalive(); }, asio::detached);
  SendReports();  // opens NAT/firewall pinholes for UDP at once
  for (;;) {
    NJ_CO_CHECK_OK(Process(-1));
    NJ_CO_CHECK_OK(co_await ReadMore());
  }
}

Result<void> Client::Session::OnInterleaved(uint8_t channel, std::span<const uint8_t> payload) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) {
    // Cameras send on channels nobody set up (e.g. a track we skipped): ignore it.
    ++stats.unassigned_channel_frames;
    return Ok();
  }
  if (it->second.rtcp) {
    if (!receivers[it->second.track]->OnRtcp(payload)) ++stats.malformed_rtcp;
    return Ok();
  }
  return OnRtp(it->second.track, payload);
}

Result<void> Client::Session::OnRtp(size_t track, std::span<const uint8_t> packet) {
  units_.clear();
  const uint64_t accepted = receivers[track]->packets();
  auto r = receivers[track]->OnRtp(packet, units_);
  if (!r) {
    return Err(r.error().code(), tracks[track].media.media + " track: " + r.error().message());
  }
  if (!playing_) {
    // RTP before the PLAY reply (some cameras start at once): held (bounded) until PLAY
    // succeeded and OnPlaying has run.
    for (AccessUnit& unit : units_) {
      if (early_.size() < kMaxEarlyUnits) early_.emplace_back(track, std::move(unit));
    }
    return Ok();
  }
  // The packets of one TCP read or one UDP poll arrived together (within a tick): the read's
  // time, not a clock call each.
  const auto now = (read_at_ != Clock::time_point() ? read_at_ : Clock::now()).time_since_epoch();
  if (receivers[track]->packets() != accepted) stall_.OnPacket(now);
  if (!units_.empty()) stall_.OnMedia(now);
  for (AccessUnit& unit : units_) {
    if (closed_) break;
    handler_.OnAccessUnit(track, std::move(unit));
  }
  return Ok();
}

// RTP over UDP is polled, not waited for (udp_poller.h): the io_context's poller hands a socket
// to its session when the kernel holds datagrams for it, at most once per tick; the session
// reads them in batches (udp_batch.h) and says whether it caught up.
Result<void> Client::Session::StartUdpPoll() {
  NJ_TRY(UdpPoller * poller, UdpPoller::For(executor_));
  const std::weak_ptr<Session> weak = weak_from_this();
  for (size_t track = 0; track < udp_.size(); ++track) {
    UdpPair& u = udp_[track];
    if (!u.rtp) continue;
    auto drain = [weak, track] {
      auto self = weak.lock();
      return !self || self->DrainRtp(track);
    };
    NJ_TRY(u.poll, poller->Register(u.rtp.get(), executor_, UdpPollInterval(u), drain));
  }
  return Ok();
}

bool Client::Session::DrainRtp(size_t track) {
  if (closed_ || track >= udp_.size() || !udp_[track].rtp) return true;
  read_at_ = Clock::now();
  std::optional<Error> failed;
  auto on_datagram = [&](std::span<const uint8_t> packet) {
    stats.bytes_received += packet.size();
    if (auto r = OnRtp(track, packet); !r) {
      failed = r.error();
      return false;
    }
    return !closed_;  // a handler may have stopped the session: its sockets are closed
  };
  auto drained = DrainUdp(udp_[track].rtp.get(), kMaxBatchesPerTurn, on_datagram);
  if (closed_) return true;
  if (failed) {
    Fail(failed->code(), failed->message());
    return true;
  }
  if (!drained) {
    Fail(ErrorCode::kIo, "UDP receive: " + drained.error().message());
    return true;
  }
  MeasureUdpRate(udp_[track], drained->bytes);
  return drained->caught_up;
}

// The window starts at the first drain (what that one read came in before it); each window of a
// second or more gives the rate, and the rate may change how often the socket is polled.
void Client::Session::MeasureUdpRate(UdpPair& pair, size_t bytes) {
  if (pair.window_start == Clock::time_point()) {
    pair.window_start = read_at_;
    return;
  }
  pair.window_bytes += bytes;
  const auto elapsed = read_at_ - pair.window_start;
  if (elapsed < std::chrono::seconds(1)) return;
  pair.bytes_per_s =
      static_cast<double>(pair.window_bytes) / std::chrono::duration<double>(elapsed).count();
  pair.window_bytes = 0;
  pair.window_start = read_at_;
  // The same interval changes nothing (UdpPoller::SetInterval); a refusal (the kernel out of
  // epoll memory) leaves the socket polled as it was.
  if (pair.poll) (void)pair.poll->SetInterval(UdpPollInterval(pair));
}

// RTCP (sender reports, a few per minute): one coroutine per socket waits for readability, then
// drains it.
asio::awaitable<void> Client::Session::UdpLoop(size_t track) {
  auto self = shared_from_this();
  asio::ip::udp::socket& socket = *udp_[track].rtcp;
  auto on_datagram = [&](std::span<const uint8_t> packet) {
    stats.bytes_received += packet.size();
    if (!receivers[track]->OnRtcp(packet)) ++stats.malformed_rtcp;
    return !closed_;
  };
  while (!closed_) {
    auto drained = DrainUdp(socket.native_handle(), kMaxBatchesPerTurn, on_datagram);
    if (closed_) break;
    if (!drained) {
      Fail(ErrorCode::kIo, "UDP receive: " + drained.error().message());
      break;
    }
    boost::system::error_code ec;
    if (drained->caught_up) {
      co_await socket.async_wait(asio::socket_base::wait_read,
                                 asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await asio::post(executor_, asio::use_awaitable);  // more queued: yield, then go on
    }
    if (closed_) break;
    if (ec) {
      Fail(ErrorCode::kIo, "UDP receive: " + ec.message());
      break;
    }
  }
}

// A recorded stream's interval follows its rate and the receive buffer the kernel granted
// (net.core.rmem_max may cap it at ~200 KiB, ~90 datagrams, for a process without
// CAP_NET_ADMIN): RecordingPollInterval.
std::chrono::milliseconds Client::Session::UdpPollInterval(const UdpPair& pair) const {
  if (low_latency_) return options_.udp_poll_interval;
  return RecordingPollInterval(pair.bytes_per_s, pair.rcvbuf_bytes,
                               options_.udp_poll_interval_recording, options_.udp_poll_interval);
}

std::chrono::milliseconds Client::Session::TcpReadPace() const {
  return low_latency_ ? options_.tcp_read_pace : options_.tcp_read_pace_recording;
}

void Client::Session::SetLowLatency(bool on) {
  if (on == low_latency_) return;
  low_latency_ = on;
  for (UdpPair& u : udp_) {
    // A refusal (the kernel out of epoll memory) leaves the socket polled as before: it still
    // records, only at the other pace.
    if (u.poll) (void)u.poll->SetInterval(UdpPollInterval(u));
  }
  if (on && low_water_ > 1) {
    // Whatever waits under the mark is read now; the mark is measured again for the new pace.
    SetLowWater(1);
    low_water_bytes_ = 0;
    low_water_since_ = Clock::time_point();
  }
}

// Reading a 30 fps stream as it comes costs a wakeup, an epoll_wait and two recv calls (one
// EAGAIN) per frame. That is what a stream watched live gets (tcp_read_pace 0: every frame as
// soon as it is in). A stream only recorded sets the socket's low-water mark to about a quarter
// of a second of its data (tcp_read_pace_recording; at most 256 KiB), measured over the last
// second: the kernel wakes the session once per several frames, and each read takes them all.
// A camera whose rate falls leaves bytes under the mark: once the watchdog has seen no progress
// for a tick, and for two paces, it drops the mark to one byte (until a new second of data is
// measured), so no byte waits for more than about a second, well within the stall limit
// (stall.h).
void Client::Session::TuneLowWater(size_t bytes_read) {
  constexpr int kMinUseful = 4096, kMaxLowWater = 256 * 1024;
  const auto now = read_at_;
  if (low_water_bytes_ == 0 && low_water_since_ == Clock::time_point()) low_water_since_ = now;
  low_water_bytes_ += bytes_read;
  const auto elapsed = now - low_water_since_;
  if (elapsed < std::chrono::seconds(1)) return;
  const double per_pace = static_cast<double>(low_water_bytes_) /
                          std::chrono::duration<double>(elapsed).count() *
                          std::chrono::duration<double>(TcpReadPace()).count();
  int want = static_cast<int>(std::min<double>(per_pace, kMaxLowWater));
  if (want < kMinUseful) want = 1;
  low_water_bytes_ = 0;
  low_water_since_ = now;
  if (want == 1 ? low_water_ != 1 : std::abs(want - low_water_) > low_water_ / 4) {
    SetLowWater(want);
  }
}

void Client::Session::SetLowWater(int bytes) {
  boost::system::error_code ec;
  socket_.set_option(asio::socket_base::receive_low_watermark(bytes), ec);
  if (!ec) low_water_ = bytes;
}

asio::awaitable<void> Client::Session::Watchdog() {
  auto self = shared_from_this();
  asio::steady_timer timer(executor_);
  // Fine enough that a 2 s stall limit is noticed within a tenth of it. On the shared grid
  // (base/clock.h): every session's watchdog on this thread, and the UDP poller's ticks (20, 100,
  // 200 ms), fire at the same instants, one wake-up for all of them.
  const auto tick = std::clamp(options_.timeout / 4, std::chrono::milliseconds(50),
                               std::chrono::milliseconds(200));
  while (!closed_) {
    timer.expires_at(NextOnGrid(Clock::now(), Clock::duration(tick)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    if (playing_) {
      const auto now = Clock::now();
      if (stats.bytes_received != watchdog_bytes_ || watchdog_progress_ == Clock::time_point()) {
        watchdog_progress_ = now;
      } else if (low_water_ > 1 &&
                 now - watchdog_progress_ >= std::max<Clock::duration>(tick, 2 * TcpReadPace())) {
        SetLowWater(1);  // nothing read for a while: take whatever waits under the mark
        low_water_bytes_ = 0;
        low_water_since_ = now;
        held_since_ = watchdog_progress_;
      }
      watchdog_bytes_ = stats.bytes_received;
      if (stall_.Stalled(Clock::now().time_since_epoch())) {
        char text[32];
        std::snprintf(text, sizeof(text), "%.1f",
                      std::chrono::duration<double>(stall_.Limit()).count());
        Fail(ErrorCode::kTimeout,
             std::string("no media within ") + text + " s (the stall limit of this stream)");
      }
      continue;
    }
    if (Clock::now() > deadline_) {
      const auto secs = std::chrono::duration<double>(options_.timeout).count();
      char text[32];
      std::snprintf(text, sizeof(text), "%.1f", secs);
      Fail(ErrorCode::kTimeout, "no " + waiting_for_ + " within " + text + " s");
    }
  }
}

asio::awaitable<void> Client::Session::Keepalive() {
  auto self = shared_from_this();
  asio::steady_timer timer(executor_);
  // Keepalives at a third of the session timeout (RFC 2326 §12.37 lets the server drop the
  // session after it); receiver reports every 5 s (RFC 3550 §6.2 suggests at least that often).
  const auto keepalive = std::chrono::seconds(std::max(1, session_timeout_secs_ / 3));
  auto next_keepalive = Clock::now() + keepalive;
  while (!closed_) {
    // On the shared grid, as the watchdog: all sessions' reports go out at one wake-up.
    timer.expires_at(NextOnGrid(Clock::now(), Clock::duration(std::chrono::seconds(5))));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    SendReports();
    if (Clock::now() >= next_keepalive) {
      Queue(BuildRequest(use_get_parameter_ ? "GET_PARAMETER" : "OPTIONS", request_url_, {}));
      next_keepalive = Clock::now() + keepalive;
    }
  }
}

void Client::Session::SendReports() {
  for (size_t i = 0; i < receivers.size(); ++i) {
    std::vector<uint8_t> rr = receivers[i]->BuildReport(own_ssrc_);
    if (transport_ == TransportKind::kUdp) {
      if (!udp_[i].rtcp) continue;
      boost::system::error_code ec;
      udp_[i].rtcp->send_to(asio::buffer(rr), udp_[i].server_rtcp, 0, ec);  // never blocks
      continue;
    }
    for (const auto& [channel, target] : channels_) {
      if (target.track != i || !target.rtcp || rr.size() > 0xffff) continue;
      std::string frame = {'$', static_cast<char>(channel), static_cast<char>(rr.size() >> 8),
                           static_cast<char>(rr.size() & 0xff)};
      frame.append(rr.begin(), rr.end());
      Queue(frame);
    }
  }
}

void Client::Session::Queue(std::string_view bytes) {
  if (closed_) return;
  out_ += bytes;
  Kick();
}

void Client::Session::Kick() {
  if (writing_ || closed_ || out_.empty()) return;
  writing_ = true;
  auto self = shared_from_this();
  asio::co_spawn(
      executor_, [self] { return self->WriteLoop(); }, asio::detached);
}

asio::awaitable<void> Client::Session::WriteLoop() {
  auto self = shared_from_this();
  while (!out_.empty() && !closed_) {
    std::swap(out_, inflight_);
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(inflight_),
                               asio::redirect_error(asio::use_awaitable, ec));
    inflight_.clear();
    if (ec && !closed_) {
      Fail(ErrorCode::kClosed, "writing to the camera: " + ec.message());
      break;
    }
  }
  writing_ = false;
}

}  // namespace nightjar::rtsp
