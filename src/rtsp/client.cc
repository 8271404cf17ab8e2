// The RTSP client session: connection, request/response exchange with authentication and
// redirects, DESCRIBE/SETUP/PLAY. The media phase (interleaved and UDP data, keepalives,
// reports, the watchdog) is in client_media.cc.
#include "rtsp/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <random>

#include "base/strings.h"
#include "rtsp/client_session.h"
#include "rtsp/resync.h"
#include "rtsp/udp_batch.h"

namespace nightjar::rtsp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string StatusText(const Response& r) {
  return std::to_string(r.status) + " " + (r.reason.empty() ? "" : r.reason);
}

// Maps a failed reply to the error the streamer reports.
Error ReplyError(const std::string& method, const Response& r) {
  ErrorCode code = ErrorCode::kFailedPrecondition;
  if (r.status == 401 || r.status == 403) code = ErrorCode::kPermissionDenied;
  if (r.status == 404) code = ErrorCode::kNotFound;
  if (r.status == 461 || r.status == 415) code = ErrorCode::kUnsupported;
  return Error(code, method + " failed: " + StatusText(r));
}

uint32_t RandomU32() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return rng();
}

}  // namespace

Client::Session::Session(const asio::any_io_executor& executor, ClientOptions options,
                         ClientHandler& handler)
    : executor_(executor),
      options_(std::move(options)),
      handler_(handler),
      resolver_(executor),
      socket_(executor),
      transport_(options_.transport),
      stall_(options_.timeout) {
  low_latency_ = options_.low_latency;
  own_ssrc_ = RandomU32();
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", RandomU32());
  cnonce_ = hex;
}

Error Client::Session::Fail(ErrorCode code, std::string message) {
  if (!failure_) failure_ = Error(code, std::move(message));
  Close();
  return *failure_;
}

void Client::Session::Close() noexcept {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  resolver_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  for (UdpPair& u : udp_) {
    u.poll.reset();
    u.rtp.Close();
    if (u.rtcp) u.rtcp->close(ec);
  }
}

void Client::Session::Stop() {
  if (closed_) return;
  stopped_ = true;
  if (playing_) {
    // Paced reads leave up to a pace of media in the kernel (client_media.cc): it is handed over
    // before the session ends, so a stop records everything that arrived.
    for (size_t track = 0; track < udp_.size(); ++track) {
      for (int turn = 0; turn < 64 && !closed_ && udp_[track].poll && !DrainRtp(track); ++turn) {
      }
    }
    if (low_water_ > 1) SetLowWater(1);  // the TCP read waiting under the mark completes
  }
  if (closed_) return;
  if (!playing_ || !session_id_) {
    Fail(ErrorCode::kAborted, "stopped");
    return;
  }
  // Best effort TEARDOWN (RFC 2326 §10.7): queued, then the session closes once it is written
  // or after a short grace period, whichever comes first.
  Queue(BuildRequest("TEARDOWN", request_url_, {}));
  auto self = shared_from_this();
  asio::co_spawn(
      executor_,
      [self]() -> asio::awaitable<void> {
        asio::steady_timer t(self->executor_);
        for (int i = 0; i < 10 && self->writing_; ++i) {
          t.expires_after(std::chrono::milliseconds(50));
          boost::system::error_code ec;
          co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        self->Fail(ErrorCode::kAborted, "stopped");
      },
      asio::detached);
}

asio::awaitable<Result<void>> Client::Session::Run() {
  auto self = shared_from_this();
  NJ_CO_TRY(url_, ParseRtspUrl(options_.url));
  credentials_ = options_.credentials;
  if (!credentials_ && url_.username) {
    credentials_ = Credentials{*url_.username, url_.password.value_or("")};
  }
  deadline_ = Clock::now() + options_.timeout;
  waiting_for_ = "connecting";
  asio::co_spawn(
      executor_, [self] { return self->Watchdog(); }, asio::detached);
  for (int redirects = 0;; ++redirects) {
    Result<void> r = co_await RunOnce();
    if (failure_) co_return std::unexpected(*failure_);  // the watchdog or Stop closed it
    if (r || r.error().code() != ErrorCode::kAlreadyExists) {
      Close();
      co_return r;
    }
    // kAlreadyExists is RunOnce's internal "redirected": url_ was replaced; start over.
    if (redirects >= options_.max_redirects) {
      Close();
      co_return Err(ErrorCode::kFailedPrecondition, "too many redirects");
    }
    boost::system::error_code ec;
    socket_.close(ec);
    socket_ = tcp::socket(executor_);
    in_pos_ = in_end_ = 0;
    out_.clear();
    challenge_.clear();
  }
}

asio::awaitable<Result<void>> Client::Session::RunOnce() {
  request_url_ = url_.WithoutCredentials();
  NJ_CO_CHECK_OK(co_await Connect());
  Result<Response> options = co_await Exchange("OPTIONS", request_url_);
  if (!options) co_return std::unexpected(options.error());
  if (options->status >= 300 && options->status < 400) {
    // Some servers redirect already here; others answer OPTIONS with an error but DESCRIBE fine.
    if (auto loc = options->headers.Get("Location")) {
      NJ_CO_TRY(url_, ParseRtspUrl(*loc));
      co_return Err(ErrorCode::kAlreadyExists, "redirected");
    }
  }
  if (auto pub = options->headers.Get("Public")) {
    use_get_parameter_ = pub->find("GET_PARAMETER") != std::string_view::npos;
  }
  SdpDescription sdp;
  std::string base;
  NJ_CO_CHECK_OK(co_await Describe(sdp, base));
  if (base.empty()) co_return Err(ErrorCode::kAlreadyExists, "redirected");
  NJ_CO_CHECK_OK(co_await Setup(sdp, base));
  NJ_CO_CHECK_OK(co_await Play(sdp, base));
  co_return co_await MediaLoop();
}

asio::awaitable<Result<void>> Client::Session::Connect() {
  waiting_for_ = "connecting to " + url_.host + ":" + std::to_string(url_.port);
  deadline_ = Clock::now() + options_.timeout;
  boost::system::error_code ec;
  auto endpoints = co_await resolver_.async_resolve(url_.host, std::to_string(url_.port),
                                                    asio::redirect_error(asio::use_awaitable, ec));
  if (failure_) co_return std::unexpected(*failure_);
  if (ec) co_return Err(ErrorCode::kNotFound, "cannot resolve " + url_.host + ": " + ec.message());
  co_await asio::async_connect(socket_, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (failure_) co_return std::unexpected(*failure_);
  if (ec) co_return Err(ErrorCode::kClosed, waiting_for_ + ": " + ec.message());
  socket_.set_option(tcp::no_delay(true), ec);
  co_return Ok();
}

std::string Client::Session::BuildRequest(const std::string& method, const std::string& uri,
                                          const Headers& extra) {
  Request req;
  req.method = method;
  req.uri = uri;
  req.cseq = next_cseq_++;
  req.headers.Add("CSeq", std::to_string(req.cseq));
  req.headers.Add("User-Agent", options_.user_agent);
  if (!challenge_.empty() && credentials_) {
    auto auth = AnswerChallenge(challenge_, *credentials_, method, uri, ++nonce_count_, cnonce_);
    if (auth) req.headers.Add("Authorization", *auth);
  }
  if (session_id_ && method != "OPTIONS") req.headers.Add("Session", *session_id_);
  for (const auto& [name, value] : extra.fields()) req.headers.Add(name, value);
  return Serialize(req);
}

asio::awaitable<Result<Response>> Client::Session::Exchange(std::string method, std::string uri,
                                                            Headers extra) {
  for (int attempt = 0;; ++attempt) {
    const int64_t cseq = next_cseq_;
    Queue(BuildRequest(method, uri, extra));
    NJ_CO_TRY(Response r, co_await ReadResponse(cseq, method));
    if (r.status != 401) co_return r;
    // RFC 2617 §3.2.1 / RFC 7617: answer the strongest challenge offered, once; a second 401
    // means the credentials are wrong (unless the nonce merely went stale).
    std::string digest, basic;
    for (const auto& [name, value] : r.headers.fields()) {
      if (!EqualsIgnoreCase(name, "WWW-Authenticate")) continue;
      if (value.size() >= 6 && EqualsIgnoreCase(value.substr(0, 6), "Digest")) digest = value;
      if (value.size() >= 5 && EqualsIgnoreCase(value.substr(0, 5), "Basic")) basic = value;
    }
    const std::string offered = !digest.empty() ? digest : basic;
    if (offered.empty()) {
      co_return Err(ErrorCode::kPermissionDenied, method + ": 401 without a usable challenge");
    }
    if (!credentials_) {
      co_return Err(ErrorCode::kPermissionDenied,
                    method + ": the camera requires a username and password");
    }
    const bool stale = offered.find("stale=true") != std::string::npos ||
                       offered.find("stale=TRUE") != std::string::npos;
    if (attempt >= 1 && !stale) {
      co_return Err(ErrorCode::kPermissionDenied,
                    method + ": the camera refused the username and password");
    }
    if (attempt >= 3) co_return Err(ErrorCode::kPermissionDenied, method + ": 401 loop");
    challenge_ = offered;
    nonce_count_ = 0;
  }
}

asio::awaitable<Result<Response>> Client::Session::ReadResponse(int64_t cseq,
                                                                const std::string& what) {
  waiting_for_ = "the reply to " + what;
  deadline_ = Clock::now() + options_.timeout;
  for (;;) {
    NJ_CO_TRY(std::optional<Response> r, Process(cseq));
    if (r) co_return std::move(*r);
    NJ_CO_CHECK_OK(co_await ReadMore());
  }
}

asio::awaitable<Result<void>> Client::Session::ReadMore() {
  // One buffer for the session's life, never zero-filled again: the largest item (an 80 KiB
  // message or a 64 KiB interleaved frame) plus room for a read.
  constexpr size_t kBuffer = size_t{128} * 1024, kMinRead = size_t{48} * 1024;
  if (in_.size() != kBuffer) in_.resize(kBuffer);
  if (in_pos_ == in_end_) in_pos_ = in_end_ = 0;
  if (kBuffer - in_end_ < kMinRead) {
    std::memmove(in_.data(), in_.data() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  boost::system::error_code ec;
  const size_t n =
      co_await socket_.async_read_some(asio::buffer(in_.data() + in_end_, kBuffer - in_end_),
                                       asio::redirect_error(asio::use_awaitable, ec));
  in_end_ += n;
  if (failure_) co_return std::unexpected(*failure_);
  if (ec == asio::error::eof) co_return Err(ErrorCode::kClosed, "the camera closed the connection");
  if (ec) co_return Err(ErrorCode::kClosed, "reading from the camera: " + ec.message());
  stats.bytes_received += n;
  read_at_ = Clock::now();
  if (playing_ && transport_ == TransportKind::kTcp) TuneLowWater(n);
  if (held_since_ != Clock::time_point()) {
    // Bytes the watchdog freed from under the mark were there since about the last read: the
    // stall limit counts from then, as it would have without pacing.
    read_at_ = std::exchange(held_since_, Clock::time_point());
  }
  co_return Ok();
}

Result<std::optional<Response>> Client::Session::Process(int64_t cseq) {
  while (in_pos_ < in_end_ && !closed_) {
    const std::span<const uint8_t> data = std::span(in_).subspan(in_pos_, in_end_ - in_pos_);
    if (!resyncing_ && data[0] == '$') {
      // The common case, an interleaved frame (RFC 2326 §10.12), parsed in place: no StreamItem
      // (with its request and response) built per RTP packet.
      if (data.size() < 4) break;
      const size_t len = (size_t{data[2]} << 8) | data[3];
      if (data.size() < 4 + len) break;
      in_pos_ += 4 + len;
      NJ_CHECK_OK(OnInterleaved(data[1], data.subspan(4, len)));
      continue;
    }
    // Once channels are set up, bytes that start neither a `$` frame nor an RTSP message are
    // junk to skip (resync.h); before that, and for broken messages, the parser decides.
    if (!resyncing_ && !channels_.empty() && data[0] != '$' && !MayStartRtspMessage(data)) {
      resyncing_ = true;
    }
    Result<StreamItem> parsed = resyncing_ ? StreamItem{} : ParseStreamItem(data);
    if (!parsed && !channels_.empty() && parsed.error().code() == ErrorCode::kMalformed) {
      // A broken message: what starts it is no sync point, whatever the scanner would say.
      resyncing_ = true;
      ++in_pos_;
      ++resync_skipped_;
      ++stats.skipped_bytes;
      continue;
    }
    if (resyncing_) {
      NJ_TRY(bool synced, Resync(data));
      if (!synced) break;
      continue;
    }
    if (!parsed) return std::unexpected(parsed.error());
    StreamItem& item = *parsed;
    if (item.kind == StreamItem::Kind::kNeedMore) break;
    in_pos_ += item.consumed;
    switch (item.kind) {
      case StreamItem::Kind::kInterleaved:
        NJ_CHECK_OK(OnInterleaved(item.frame.channel, item.frame.payload));
        break;
      case StreamItem::Kind::kResponse:
        ++stats.rtsp_messages;
        // Some cameras omit CSeq on replies; take those as the reply we wait for.
        if (cseq >= 0 && (item.response.cseq == cseq || item.response.cseq < 0)) {
          return std::optional<Response>(std::move(item.response));
        }
        if (playing_ && item.response.status >= 400 && use_get_parameter_) {
          use_get_parameter_ = false;  // keepalive with OPTIONS from now on
        }
        break;
      case StreamItem::Kind::kRequest:
        ++stats.rtsp_messages;
        AnswerServerRequest(item.request);
        break;
      case StreamItem::Kind::kNeedMore:
        break;
    }
  }
  return std::optional<Response>();
}

Result<bool> Client::Session::Resync(std::span<const uint8_t> data) {
  InterleavedChannels channels;
  for (const auto& [channel, target] : channels_) {
    (target.rtcp ? channels.rtcp : channels.rtp).set(channel);
  }
  const SyncScan scan = ScanForSync(data, channels);
  in_pos_ += scan.skip;
  resync_skipped_ += scan.skip;
  stats.skipped_bytes += scan.skip;
  if (resync_skipped_ > kMaxResyncBytes) {
    return Err(ErrorCode::kMalformed, "data is neither an RTSP message nor interleaved (" +
                                          std::to_string(resync_skipped_) +
                                          " bytes without a frame to resynchronize on)");
  }
  if (scan.kind == SyncScan::Kind::kNeedMore) return false;
  ++stats.resyncs;
  resyncing_ = false;
  resync_skipped_ = 0;
  return true;
}

void Client::Session::AnswerServerRequest(const Request& request) {
  // Servers may probe the client (RFC 2326 §10: OPTIONS, GET/SET_PARAMETER in either
  // direction); anything else (ANNOUNCE, REDIRECT) is not supported by a recorder.
  Response r;
  const bool ok = request.method == "OPTIONS" || request.method == "GET_PARAMETER" ||
                  request.method == "SET_PARAMETER";
  r.status = ok ? 200 : 501;
  r.reason = std::string(ReasonPhrase(r.status));
  r.headers.Add("CSeq", std::to_string(request.cseq));
  Queue(Serialize(r));
}

asio::awaitable<Result<void>> Client::Session::Describe(SdpDescription& sdp, std::string& base) {
  Headers h;
  h.Add("Accept", "application/sdp");
  NJ_CO_TRY(Response r, co_await Exchange("DESCRIBE", request_url_, std::move(h)));
  if (r.status >= 300 && r.status < 400) {
    auto loc = r.headers.Get("Location");
    if (!loc) co_return Err(ErrorCode::kMalformed, "DESCRIBE redirect without a Location");
    NJ_CO_TRY(url_, ParseRtspUrl(*loc));
    base.clear();
    co_return Ok();
  }
  if (r.status != 200) co_return std::unexpected(ReplyError("DESCRIBE", r));
  auto parsed = ParseSdp(r.body);
  if (!parsed) {
    co_return Err(ErrorCode::kMalformed, "DESCRIBE: bad SDP: " + parsed.error().message());
  }
  sdp = std::move(*parsed);
  // RFC 2326 §C.1.1: relative controls resolve against Content-Base, else Content-Location,
  // else the request URL.
  if (auto cb = r.headers.Get("Content-Base"); cb && !Trim(*cb).empty()) {
    base = std::string(Trim(*cb));
  } else if (auto cl = r.headers.Get("Content-Location"); cl && !Trim(*cl).empty()) {
    base = std::string(Trim(*cl));
  } else {
    base = request_url_;
  }
  co_return Ok();
}

asio::awaitable<Result<void>> Client::Session::Setup(const SdpDescription& sdp,
                                                     const std::string& base) {
  Result<void> first = co_await SetupTracks(sdp, base);
  if (first || failure_) co_return first;
  // A camera that refuses the transport (461, as VLC's server does for TCP) or fails SETUP
  // otherwise may take the other one (TCP <-> UDP) on the same connection. Not for errors that
  // another transport cannot change.
  const ErrorCode code = first.error().code();
  if (code == ErrorCode::kPermissionDenied || code == ErrorCode::kNotFound ||
      code == ErrorCode::kClosed || code == ErrorCode::kTimeout ||
      first.error().message().starts_with("no recordable video track")) {
    co_return first;
  }
  transport_ = transport_ == TransportKind::kTcp ? TransportKind::kUdp : TransportKind::kTcp;
  channels_.clear();
  boost::system::error_code ec;
  for (UdpPair& u : udp_) {
    if (u.rtcp) u.rtcp->close(ec);
  }
  udp_.clear();  // closes the RTP sockets
  Result<void> second = co_await SetupTracks(sdp, base);
  if (second || failure_) co_return second;
  co_return Err(second.error().code(), first.error().message() + "; over " +
                                           (transport_ == TransportKind::kTcp ? "TCP" : "UDP") +
                                           ": " + second.error().message());
}

asio::awaitable<Result<void>> Client::Session::SetupTracks(const SdpDescription& sdp,
                                                           const std::string& base) {
  tracks.clear();
  receivers.clear();
  bool have_video = false, have_audio = false;
  std::string skipped;
  for (const SdpMediaDescription& m : sdp.media) {
    const bool video = m.media == "video";
    if ((video && have_video) || (!video && (have_audio || !options_.want_audio))) continue;
    auto depacketizer = MakeDepacketizer(m);
    if (!depacketizer) {
      skipped += " " + m.media + "/" + m.encoding + " (" + depacketizer.error().message() + ")";
      continue;
    }
    if (!video && m.media != "audio") continue;
    (video ? have_video : have_audio) = true;
    ClientTrack t;
    t.media = m;
    t.setup_url = ResolveControl(base, m.control);
    t.config = (*depacketizer)->config();
    tracks.push_back(std::move(t));
    receivers.push_back(std::make_unique<TrackReceiver>(std::move(*depacketizer), m.payload_type,
                                                        transport_ == TransportKind::kUdp,
                                                        options_.reorder_capacity));
  }
  if (!have_video) {
    co_return Err(ErrorCode::kUnsupported,
                  "no recordable video track (H.264 or H.265) in the SDP;" +
                      (skipped.empty() ? std::string(" it has no video") : skipped));
  }
  udp_.resize(tracks.size());
  for (size_t i = 0; i < tracks.size(); ++i) NJ_CO_CHECK_OK(co_await SetupTrack(i));
  co_return Ok();
}

asio::awaitable<Result<void>> Client::Session::SetupTrack(size_t index) {
  TransportSpec want;
  want.tcp = transport_ == TransportKind::kTcp;
  if (want.tcp) {
    want.interleaved = std::pair(static_cast<int>(2 * index), static_cast<int>(2 * index + 1));
  } else {
    NJ_CO_CHECK_OK(OpenUdpPair(udp_[index]));
    const int port = udp_[index].rtp_port;
    want.client_port = std::pair(port, port + 1);
  }
  Headers h;
  h.Add("Transport", FormatTransport(want));
  NJ_CO_TRY(Response r, co_await Exchange("SETUP", tracks[index].setup_url, std::move(h)));
  if (r.status != 200) co_return std::unexpected(ReplyError("SETUP", r));
  if (auto s = r.headers.Get("Session")) {
    auto parsed = ParseSession(*s);
    if (!parsed) co_return Err(ErrorCode::kMalformed, "SETUP: bad Session header");
    // Some cameras hand out a new session id on every SETUP: follow the latest.
    session_id_ = parsed->id;
    if (parsed->timeout_secs && *parsed->timeout_secs > 0) {
      session_timeout_secs_ = *parsed->timeout_secs;
    }
  } else if (!session_id_) {
    co_return Err(ErrorCode::kMalformed, "SETUP reply without a Session header");
  }
  auto t = r.headers.Get("Transport");
  auto specs =
      t ? ParseTransport(*t) : Result<std::vector<TransportSpec>>(std::vector<TransportSpec>{});
  if (!specs || specs->empty()) co_return Err(ErrorCode::kMalformed, "SETUP: bad Transport reply");
  const TransportSpec& got = specs->front();
  if (got.tcp != want.tcp) {
    co_return Err(ErrorCode::kUnsupported, std::string("SETUP: the camera answered with ") +
                                               (got.tcp ? "TCP" : "UDP") + " transport");
  }
  if (want.tcp) {
    // The server may choose other channels (§12.39); use the ones it names.
    auto [rtp, rtcp] = got.interleaved.value_or(*want.interleaved);
    channels_[static_cast<uint8_t>(rtp)] = {index, false};
    channels_[static_cast<uint8_t>(rtcp)] = {index, true};
  } else {
    if (!got.server_port) co_return Err(ErrorCode::kMalformed, "SETUP: no server_port");
    boost::system::error_code ec;
    const auto address = socket_.remote_endpoint(ec).address();
    if (ec) co_return Err(ErrorCode::kClosed, "SETUP: " + ec.message());
    udp_[index].server_rtp = {address, static_cast<uint16_t>(got.server_port->first)};
    udp_[index].server_rtcp = {address, static_cast<uint16_t>(got.server_port->second)};
  }
  co_return Ok();
}

Result<void> Client::Session::OpenUdpPair(UdpPair& pair) {
  // RFC 3550 §11: RTP on an even port, RTCP on the next one. Try random even ports.
  boost::system::error_code ec;
  const auto local = socket_.local_endpoint(ec).address();
  if (ec) return Err(ErrorCode::kIo, "no local address: " + ec.message());
  // Only the camera may feed the session: its address, from any port (RTP and RTCP may come from
  // ports other than the ones it announces); the kernel refuses other hosts' datagrams.
  const asio::ip::udp::endpoint camera(socket_.remote_endpoint(ec).address(), 0);
  if (ec) return Err(ErrorCode::kClosed, "no camera address: " + ec.message());
  for (int attempt = 0; attempt < 50; ++attempt) {
    const uint16_t port = static_cast<uint16_t>(20000 + 2 * (RandomU32() % 20000));
    // The RTP socket stays out of Asio's reactor: it is polled (udp_poller.h).
    const asio::ip::udp::endpoint rtp_at(local, port);
    auto rtp = UdpFd::Bind(rtp_at.data(), static_cast<socklen_t>(rtp_at.size()));
    if (!rtp) continue;
    auto rtcp = std::make_unique<asio::ip::udp::socket>(executor_);
    rtcp->open(local.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), ec);
    if (!ec) rtcp->bind({local, static_cast<uint16_t>(port + 1)}, ec);
    if (ec) continue;
    const auto* to = camera.data();
    const auto to_length = static_cast<socklen_t>(camera.size());
    NJ_CHECK_OK(AcceptOnlyFrom(rtp->get(), to, to_length));
    NJ_CHECK_OK(AcceptOnlyFrom(rtcp->native_handle(), to, to_length));
    // Room for bursts of a 4K key frame while the strand is busy elsewhere (the kernel grants
    // 4 MiB: ~1,800 datagrams, ~5 s of a 4 Mbit/s stream; a poll tick brings a few); receive
    // offload where the network device coalesces (udp_batch.h).
    pair.rcvbuf_bytes = PrepareUdpSocket(rtp->get(), kUdpReceiveBuffer, /*gro=*/true).rcvbuf_bytes;
    pair.rtp = std::move(*rtp);
    pair.rtp_port = port;
    pair.rtcp = std::move(rtcp);
    return Ok();
  }
  return Err(ErrorCode::kIo, "no free UDP port pair for RTP/RTCP");
}

asio::awaitable<Result<void>> Client::Session::Play(const SdpDescription& sdp,
                                                    const std::string& base) {
  // The aggregate control URL (§C.1.1): the session-level control resolved against the base.
  const std::string url = ResolveControl(base, sdp.session_control);
  Headers h;
  h.Add("Range", "npt=0.000-");
  NJ_CO_TRY(Response r, co_await Exchange("PLAY", url, std::move(h)));
  if (r.status != 200) co_return std::unexpected(ReplyError("PLAY", r));
  request_url_ = url;  // keepalives and TEARDOWN address the aggregate
  playing_ = true;
  handler_.OnPlaying(tracks);
  for (auto& [track, unit] : early_) {
    if (!closed_) handler_.OnAccessUnit(track, std::move(unit));
  }
  early_.clear();
  co_return Ok();
}

Client::Client(const asio::any_io_executor& executor, ClientOptions options, ClientHandler& handler)
    : session_(std::make_shared<Session>(executor, std::move(options), handler)) {}

Client::~Client() {
  // Stop allocates (the TEARDOWN request, its grace-period coroutine) and so may throw, which a
  // destructor must not: then the session only closes, and the camera times the session out.
  try {
    session_->Stop();
  } catch (...) {
    session_->Close();
  }
}

asio::awaitable<Result<void>> Client::Run() { return session_->Run(); }

void Client::Stop() { session_->Stop(); }

void Client::SetLowLatency(bool on) { session_->SetLowLatency(on); }

const ClientStats& Client::stats() const { return session_->stats; }

TransportKind Client::transport() const { return session_->transport(); }

std::vector<TrackStats> Client::track_stats() const {
  std::vector<TrackStats> v;
  for (const auto& r : session_->receivers) v.push_back(r->stats());
  return v;
}

std::vector<std::optional<SenderClock>> Client::sender_clocks() const {
  std::vector<std::optional<SenderClock>> v;
  for (const auto& r : session_->receivers) v.push_back(r->sender_clock());
  return v;
}

}  // namespace nightjar::rtsp
