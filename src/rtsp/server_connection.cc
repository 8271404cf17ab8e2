#include "rtsp/server_connection.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/strings.h"
#include "rtsp/rtcp.h"
#include "rtsp/rtp.h"

namespace nightjar::rtsp {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using std::chrono::steady_clock;

namespace {

constexpr std::string_view kPublic =
    "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER";
constexpr auto kSenderReportInterval = std::chrono::seconds(5);
constexpr size_t kMaxReadBuffer = size_t{256} * 1024;

SteadyTime After(SteadyTime t, double secs) {
  return t +
         std::chrono::duration_cast<steady_clock::duration>(std::chrono::duration<double>(secs));
}

// NTP time (RFC 3550 §4) of the system clock now.
uint64_t NtpNow() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
  uint64_t secs = static_cast<uint64_t>(ns / 1'000'000'000) + 2'208'988'800ULL;
  uint64_t frac = (static_cast<uint64_t>(ns % 1'000'000'000) << 32) / 1'000'000'000;
  return (secs << 32) | frac;
}

}  // namespace

Connection::Connection(std::shared_ptr<Server::Impl> server, tcp::socket socket)
    : server_(std::move(server)), socket_(std::move(socket)), rng_(std::random_device{}()) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%08x%08x", static_cast<unsigned>(rng_()),
                static_cast<unsigned>(rng_()));
  nonce_ = buf;
  std::snprintf(buf, sizeof(buf), "%08X%08X", static_cast<unsigned>(rng_()),
                static_cast<unsigned>(rng_()));
  session_id_ = buf;
  last_activity_ = steady_clock::now();
}

Connection::~Connection() {
  if (playing_) server_->playing.fetch_sub(1);
}

void Connection::Start() {
  auto self = shared_from_this();
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->ReadLoop(); }, asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->IdleWatchdog(); }, asio::detached);
}

void Connection::Shutdown() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  for (Track& t : tracks_) {
    if (t.rtp_socket) t.rtp_socket->close(ec);
    if (t.rtcp_socket) t.rtcp_socket->close(ec);
  }
}

asio::awaitable<void> Connection::IdleWatchdog() {
  auto self = shared_from_this();
  asio::steady_timer timer(socket_.get_executor());
  const auto limit = std::chrono::seconds(server_->options.session_timeout_secs + 10);
  while (!closed_) {
    timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (steady_clock::now() - last_activity_ > limit) Close();
  }
}

asio::awaitable<void> Connection::ReadLoop() {
  auto self = shared_from_this();
  std::vector<uint8_t> in;
  std::array<uint8_t, 16384> chunk;
  while (!closed_) {
    boost::system::error_code ec;
    size_t n = co_await socket_.async_read_some(asio::buffer(chunk),
                                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    last_activity_ = steady_clock::now();
    in.insert(in.end(), chunk.begin(), chunk.begin() + n);
    size_t used = 0;
    while (!closed_) {
      auto item = ParseStreamItem(std::span(in).subspan(used));
      if (!item) {
        Response bad;
        bad.status = 400;
        Queue(Serialize(bad));
        close_after_flush_ = true;
        break;
      }
      if (item->kind == StreamItem::Kind::kNeedMore) break;
      used += item->consumed;
      if (item->kind == StreamItem::Kind::kRequest) {
        Response resp = Handle(item->request);
        Queue(Serialize(resp));
      }
      // Interleaved frames from the client are RTCP receiver reports: liveness only.
    }
    in.erase(in.begin(), in.begin() + static_cast<ptrdiff_t>(used));
    if (in.size() > kMaxReadBuffer || close_after_flush_) break;
  }
  if (!close_after_flush_ || !writing_) Close();
}

Response Connection::Handle(const Request& req) {
  Response resp;
  resp.status = 200;
  resp.cseq = req.cseq;
  resp.headers.Add("CSeq", std::to_string(req.cseq));
  resp.headers.Add("Server", "Nightjar fakecam");
  if (auto session = req.headers.Get("Session")) {
    auto parsed = ParseSession(*session);
    if (!parsed || parsed->id != session_id_) {
      resp.status = 454;
      return resp;
    }
  }
  if (req.method == "OPTIONS") {
    resp.headers.Add("Public", std::string(kPublic));
    return resp;
  }
  const ServerAuth auth(server_->options.auth, server_->options.credentials,
                        server_->options.realm);
  if (auto ok = auth.Verify(req.method, req.headers.Get("Authorization").value_or(""), nonce_);
      !ok) {
    resp.status = 401;
    resp.headers.Add("WWW-Authenticate", auth.Challenge(nonce_));
    return resp;
  }
  if (req.method == "DESCRIBE") return HandleDescribe(req, std::move(resp));
  if (req.method == "SETUP") return HandleSetup(req, std::move(resp));
  if (req.method == "PLAY") return HandlePlay(req, std::move(resp));
  if (req.method == "GET_PARAMETER" || req.method == "SET_PARAMETER") {
    resp.headers.Add("Session", session_id_);
    return resp;
  }
  if (req.method == "TEARDOWN") {
    playing_ = false;
    close_after_flush_ = true;
    return resp;
  }
  // Live sources cannot pause; everything else is unknown to us (RFC 2326 §11.3.1).
  resp.status =
      req.method == "PAUSE" || req.method == "RECORD" || req.method == "ANNOUNCE" ? 405 : 501;
  resp.headers.Add("Allow", std::string(kPublic));
  return resp;
}

Response Connection::HandleDescribe(const Request& req, Response resp) {
  ParsedUrl url = SplitRequestUrl(req.uri);
  auto source = server_->resolver->Resolve(url.path);
  if (!source) {
    resp.status = 404;
    return resp;
  }
  if (source_ && source_ != source) {
    resp.status = 459;  // one stream per connection
    return resp;
  }
  source_ = source;
  query_ = url.query;
  tracks_.resize(source->Tracks().size());
  std::string uri = req.uri.substr(0, req.uri.find('?'));
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  content_base_ = uri + "/";
  SdpSession sdp;
  sdp.session_id = rng_();
  sdp.name = "Nightjar fakecam " + url.path;
  boost::system::error_code ec;
  auto local = socket_.local_endpoint(ec);
  if (!ec) sdp.origin_address = local.address().to_string();
  for (size_t i = 0; i < source->Tracks().size(); ++i) {
    SdpMedia m = source->Tracks()[i].sdp;
    m.control = "trackID=" + std::to_string(i);
    sdp.media.push_back(std::move(m));
  }
  resp.headers.Add("Content-Base", content_base_);
  resp.headers.Add("Content-Type", "application/sdp");
  resp.body = BuildSdp(sdp);
  return resp;
}

Response Connection::HandleSetup(const Request& req, Response resp) {
  ParsedUrl url = SplitRequestUrl(req.uri);
  std::string stream_path = url.path;
  size_t index = 0;
  if (size_t slash = url.path.rfind('/');
      slash != std::string::npos && url.path.compare(slash + 1, 8, "trackID=") == 0) {
    auto n = ParseInt64(std::string_view(url.path).substr(slash + 9), 0, 1000);
    if (!n) {
      resp.status = 400;
      return resp;
    }
    index = static_cast<size_t>(*n);
    stream_path = url.path.substr(0, slash);
  }
  if (!source_) {  // SETUP without DESCRIBE: allowed when the client knows the URL
    source_ = server_->resolver->Resolve(stream_path);
    if (!source_) {
      resp.status = 404;
      return resp;
    }
    tracks_.resize(source_->Tracks().size());
    content_base_ = req.uri.substr(0, req.uri.rfind("/trackID=")) + "/";
    query_ = url.query;
  }
  if (index >= tracks_.size()) {
    resp.status = 404;
    return resp;
  }
  if (!url.query.empty()) query_ = url.query;
  auto specs = ParseTransport(req.headers.Get("Transport").value_or(""));
  const TransportSpec* chosen = nullptr;
  if (specs) {
    for (const auto& s : *specs) {
      if (s.unicast && (s.tcp || s.client_port)) {
        chosen = &s;
        break;
      }
    }
  }
  const int refuse_tcp = TransportFaults::FromQuery(query_).refuse_tcp;
  if (!chosen || (chosen->tcp && refuse_tcp > 0)) {
    resp.status = 461;
    if (chosen && refuse_tcp == 2) close_after_flush_ = true;
    return resp;
  }
  Track& track = tracks_[index];
  TransportSpec reply = *chosen;
  track.tcp = chosen->tcp;
  track.ssrc = static_cast<uint32_t>(rng_());
  track.sequence = static_cast<uint16_t>(rng_());
  track.timestamp_base = static_cast<uint32_t>(rng_());
  if (track.tcp) {
    auto channels = chosen->interleaved.value_or(
        std::pair<int, int>{static_cast<int>(2 * index), static_cast<int>(2 * index + 1)});
    if (channels.first > 255 || channels.second > 255) {
      resp.status = 461;
      return resp;
    }
    track.rtp_channel = channels.first;
    track.rtcp_channel = channels.second;
    reply.interleaved = channels;
  } else {
    if (auto ok = SetupUdp(track, *chosen->client_port); !ok) {
      resp.status = 500;
      return resp;
    }
    reply.server_port = {track.rtp_socket->local_endpoint().port(),
                         track.rtcp_socket->local_endpoint().port()};
  }
  reply.ssrc = track.ssrc;
  track.setup = true;
  resp.headers.Add("Transport", FormatTransport(reply));
  resp.headers.Add(
      "Session", session_id_ + ";timeout=" + std::to_string(server_->options.session_timeout_secs));
  return resp;
}

Result<void> Connection::SetupUdp(Track& track, std::pair<int, int> client_ports) {
  boost::system::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (ec) return Err(ErrorCode::kIo, "no peer address: " + ec.message());
  auto local = socket_.local_endpoint(ec);
  if (ec) return Err(ErrorCode::kIo, "no local address: " + ec.message());
  track.client_rtp = udp::endpoint(peer.address(), static_cast<uint16_t>(client_ports.first));
  track.client_rtcp = udp::endpoint(peer.address(), static_cast<uint16_t>(client_ports.second));
  // RTP on an even port and RTCP on the next one (RFC 3550 §11).
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint16_t base = static_cast<uint16_t>(20000 + 2 * (rng_() % 20000));
    auto rtp = std::make_unique<udp::socket>(socket_.get_executor());
    auto rtcp = std::make_unique<udp::socket>(socket_.get_executor());
    rtp->open(local.protocol() == tcp::v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) rtp->bind(udp::endpoint(local.address(), base), ec);
    if (ec) continue;
    rtcp->open(local.protocol() == tcp::v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) rtcp->bind(udp::endpoint(local.address(), static_cast<uint16_t>(base + 1)), ec);
    if (ec) continue;
    rtp->non_blocking(true, ec);
    rtcp->non_blocking(true, ec);
    track.rtp_socket = std::move(rtp);
    track.rtcp_socket = std::move(rtcp);
    auto self = shared_from_this();
    asio::co_spawn(
        socket_.get_executor(), [self, s = track.rtcp_socket.get()] { return self->DrainUdp(*s); },
        asio::detached);
    return Ok();
  }
  return Err(ErrorCode::kIo, "no free UDP port pair");
}

asio::awaitable<void> Connection::DrainUdp(udp::socket& socket) {
  auto self = shared_from_this();
  std::array<uint8_t, 2048> buf;
  while (!closed_) {
    boost::system::error_code ec;
    udp::endpoint from;
    co_await socket.async_receive_from(asio::buffer(buf), from,
                                       asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || closed_) break;
    if (!ec) last_activity_ = steady_clock::now();  // receiver reports keep the session alive
  }
}

Response Connection::HandlePlay(const Request& req, Response resp) {
  std::vector<size_t> active;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (tracks_[i].setup) active.push_back(i);
  }
  if (active.empty() || !source_) {
    resp.status = 455;
    return resp;
  }
  resp.headers.Add("Session", session_id_);
  if (playing_) return resp;  // a repeated PLAY is a no-op for a live source
  if (auto url = SplitRequestUrl(req.uri); !url.query.empty()) query_ = url.query;
  SteadyTime now = steady_clock::now();
  player_ = source_->Play(now, active, query_);
  std::string rtp_info;
  for (size_t i : active) {
    const Track& t = tracks_[i];
    if (!rtp_info.empty()) rtp_info += ',';
    rtp_info += "url=" + content_base_ + "trackID=" + std::to_string(i) +
                ";seq=" + std::to_string(t.sequence) +
                ";rtptime=" + std::to_string(t.timestamp_base + player_->RtpTimeAt(i, now));
  }
  resp.headers.Add("Range", "npt=0.000-");
  resp.headers.Add("RTP-Info", rtp_info);
  playing_ = true;
  server_->playing.fetch_add(1);
  auto self = shared_from_this();
  asio::co_spawn(
      socket_.get_executor(), [self] { return self->StreamLoop(); }, asio::detached);
  return resp;
}

asio::awaitable<void> Connection::StreamLoop() {
  auto self = shared_from_this();
  const TransportFaults faults = TransportFaults::FromQuery(query_);
  const SteadyTime start = steady_clock::now();
  std::optional<SteadyTime> drop_at, stall_at, garbage_at, junk_at, ssrc_at;
  if (faults.drop_after) drop_at = After(start, *faults.drop_after);
  if (faults.stall_after) {
    SteadyTime anchor = start;
    if (faults.stall_camera_wide) {
      std::string key = content_base_;
      for (const auto& [k, v] : query_) {
        key += '&';
        key += k;
        key += '=';
        key += v;
      }
      anchor = server_->FaultAnchor(key, start);
    }
    stall_at = After(anchor, *faults.stall_after);
    if (After(*stall_at, faults.stall_for) <= start) stall_at.reset();  // over before this PLAY
  }
  if (faults.garbage_after) garbage_at = After(start, *faults.garbage_after);
  if (faults.junk_every && *faults.junk_every > 0) junk_at = After(start, *faults.junk_every);
  if (faults.ssrc_change_after) ssrc_at = After(start, *faults.ssrc_change_after);
  SteadyTime next_report = start + std::chrono::milliseconds(200);
  asio::steady_timer timer(socket_.get_executor());
  boost::system::error_code ec;
  while (playing_ && !closed_) {
    SteadyTime now = steady_clock::now();
    if (drop_at && now >= *drop_at) {
      Close();
      break;
    }
    if (garbage_at && now >= *garbage_at) {
      SendGarbage(faults.garbage_bytes);
      garbage_at.reset();
    }
    if (junk_at && now >= *junk_at) {
      SendJunk();
      junk_at = After(*junk_at, *faults.junk_every);
    }
    if (ssrc_at && now >= *ssrc_at) {
      ChangeSsrc();
      ssrc_at.reset();
    }
    if (stall_at && now >= *stall_at) {
      timer.expires_at(After(*stall_at, faults.stall_for));
      stall_at.reset();
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      player_->SkipTo(steady_clock::now());
      continue;
    }
    scratch_.clear();
    SteadyTime next = player_->Poll(now, scratch_);
    uint64_t bytes = 0;
    for (const OutgoingPacket& p : scratch_) {
      SendPacket(p.track, p);
      bytes += p.payload.size() + kRtpHeaderSize;
    }
    FlushGso();
    server_->packets.fetch_add(scratch_.size(), std::memory_order_relaxed);
    server_->bytes.fetch_add(bytes, std::memory_order_relaxed);
    if (now >= next_report) {
      SendSenderReports(now);
      next_report = now + kSenderReportInterval;
    }
    if (out_.size() + inflight_.size() > server_->options.max_send_backlog) {
      Close();  // the client stopped reading; a camera would drop it too
      break;
    }
    SteadyTime wake = std::min(next, next_report);
    for (const auto& t : {drop_at, stall_at, garbage_at, junk_at, ssrc_at}) {
      if (t) wake = std::min(wake, *t);
    }
    timer.expires_at(wake);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Connection::Queue(std::string_view bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  Kick();
}

void Connection::Kick() {
  if (!writing_ && !closed_ && !out_.empty()) {
    writing_ = true;
    auto self = shared_from_this();
    asio::co_spawn(
        socket_.get_executor(), [self] { return self->WriteLoop(); }, asio::detached);
  }
}

asio::awaitable<void> Connection::WriteLoop() {
  auto self = shared_from_this();
  while (!out_.empty() && !closed_) {
    std::swap(out_, inflight_);
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(inflight_),
                               asio::redirect_error(asio::use_awaitable, ec));
    inflight_.clear();
    if (ec) {
      Close();
      break;
    }
  }
  writing_ = false;
  if (close_after_flush_) Close();
}

void Connection::SendPacket(size_t index, const OutgoingPacket& p) {
  Track& t = tracks_[index];
  RtpHeader h;
  h.marker = p.marker;
  h.payload_type = static_cast<uint8_t>(source_->Tracks()[index].sdp.payload_type);
  h.sequence = t.sequence++;
  h.timestamp = t.timestamp_base + p.timestamp;
  h.ssrc = t.ssrc;
  t.packet_count++;
  t.octet_count += static_cast<uint32_t>(p.payload.size());
  uint8_t header[4 + kRtpHeaderSize];
  WriteRtpHeader(h, header + 4);
  if (t.tcp) {
    size_t len = kRtpHeaderSize + p.payload.size();
    header[0] = '$';
    header[1] = static_cast<uint8_t>(t.rtp_channel);
    header[2] = static_cast<uint8_t>(len >> 8);
    header[3] = static_cast<uint8_t>(len);
    out_.insert(out_.end(), header, header + sizeof(header));
    out_.insert(out_.end(), p.payload.begin(), p.payload.end());
    Kick();
    return;
  }
  if (server_->options.udp_gso) {
    QueueGso(index, std::span<const uint8_t>(header + 4, kRtpHeaderSize), p.payload);
    return;
  }
  std::array<asio::const_buffer, 2> bufs{asio::buffer(header + 4, kRtpHeaderSize),
                                         asio::buffer(p.payload.data(), p.payload.size())};
  boost::system::error_code ec;
  t.rtp_socket->send_to(bufs, t.client_rtp, 0, ec);  // EAGAIN: dropped, as a camera would
}

namespace {

// What every kernel with UDP GSO takes in one send: UDP_MAX_SEGMENTS was 64 in Linux 4.18, and
// one UDP datagram holds at most 65,507 bytes.
constexpr size_t kMaxGsoSegments = 64;
constexpr size_t kMaxGsoBytes = size_t{60} * 1024;

}  // namespace

void Connection::QueueGso(size_t track, std::span<const uint8_t> header,
                          std::span<const uint8_t> payload) {
  const size_t size = header.size() + payload.size();
  if (gso_count_ > 0 && (track != gso_track_ || gso_ended_ || size > gso_segment_ ||
                         gso_count_ == kMaxGsoSegments || gso_run_.size() + size > kMaxGsoBytes)) {
    FlushGso();
  }
  if (gso_count_ == 0) {
    gso_track_ = track;
    gso_segment_ = size;
  }
  gso_run_.insert(gso_run_.end(), header.begin(), header.end());
  gso_run_.insert(gso_run_.end(), payload.begin(), payload.end());
  ++gso_count_;
  gso_ended_ = size < gso_segment_;
}

void Connection::FlushGso() {
  if (gso_count_ == 0) return;
  Track& t = tracks_[gso_track_];
  iovec iov{gso_run_.data(), gso_run_.size()};
  msghdr m{};
  m.msg_name = t.client_rtp.data();
  m.msg_namelen = static_cast<socklen_t>(t.client_rtp.size());
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(uint16_t))] = {};
  if (gso_count_ > 1) {
    m.msg_control = control;
    m.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    const auto segment = static_cast<uint16_t>(gso_segment_);
    std::memcpy(CMSG_DATA(c), &segment, sizeof(segment));
  }
  // EAGAIN: dropped, as a camera would. Without GSO in the kernel (EIO, EINVAL), one by one.
  const int fd = t.rtp_socket->native_handle();
  if (::sendmsg(fd, &m, MSG_DONTWAIT) < 0 && (errno == EIO || errno == EINVAL) && gso_count_ > 1) {
    for (size_t at = 0; at < gso_run_.size(); at += gso_segment_) {
      boost::system::error_code ec;
      t.rtp_socket->send_to(
          asio::buffer(gso_run_.data() + at, std::min(gso_segment_, gso_run_.size() - at)),
          t.client_rtp, 0, ec);
    }
  }
  gso_run_.clear();
  gso_count_ = 0;
  gso_ended_ = false;
}

void Connection::SendSenderReports(SteadyTime now) {
  const uint64_t ntp = NtpNow();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    Track& t = tracks_[i];
    if (!t.setup) continue;
    SenderInfo info{t.ssrc, ntp, t.timestamp_base + player_->RtpTimeAt(i, now), t.packet_count,
                    t.octet_count};
    auto report = BuildSenderReport(info, "nightjar-fakecam");
    if (t.tcp) {
      uint8_t hdr[4] = {'$', static_cast<uint8_t>(t.rtcp_channel),
                        static_cast<uint8_t>(report.size() >> 8),
                        static_cast<uint8_t>(report.size())};
      out_.insert(out_.end(), hdr, hdr + 4);
      out_.insert(out_.end(), report.begin(), report.end());
      Kick();
    } else {
      boost::system::error_code ec;
      t.rtcp_socket->send_to(asio::buffer(report), t.client_rtcp, 0, ec);
    }
  }
}

}  // namespace nightjar::rtsp
