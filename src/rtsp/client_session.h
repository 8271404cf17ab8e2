// Internal to the RTSP client: the session state behind rtsp::Client. Not part of the module's
// public interface (see client.h).
#ifndef NIGHTJAR_RTSP_CLIENT_SESSION_H_
#define NIGHTJAR_RTSP_CLIENT_SESSION_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtsp/client.h"
#include "rtsp/message.h"
#include "rtsp/stall.h"
#include "rtsp/track_receiver.h"
#include "rtsp/udp_batch.h"
#include "rtsp/udp_poller.h"
#include "rtsp/url.h"

namespace nightjar::rtsp {

// All members are used only on the session's executor (a strand). Coroutines spawned by the
// session hold a shared_ptr to it; after Close() none of them calls the handler again.
class Client::Session : public std::enable_shared_from_this<Client::Session> {
 public:
  Session(const boost::asio::any_io_executor& executor, ClientOptions options,
          ClientHandler& handler);

  boost::asio::awaitable<Result<void>> Run();
  void Stop();
  // Closes the sockets at once (no TEARDOWN); what is pending completes with an error.
  void Close() noexcept;
  TransportKind transport() const { return transport_; }
  void SetLowLatency(bool on);

  ClientStats stats;
  std::vector<ClientTrack> tracks;
  std::vector<std::unique_ptr<TrackReceiver>> receivers;

 private:
  using Clock = std::chrono::steady_clock;
  struct UdpPair {
    UdpFd rtp;               // polled (udp_poller.h), never in the reactor (udp_batch.h)
    UdpPoller::Handle poll;  // after rtp: the watch ends before the socket closes
    uint16_t rtp_port = 0;
    int rcvbuf_bytes = 0;  // what the kernel granted (it reports twice the bytes asked for)
    // The RTP rate over windows of at least a second of drains (MeasureUdpRate); -1 until the
    // first window ends.
    double bytes_per_s = -1;
    uint64_t window_bytes = 0;
    Clock::time_point window_start{};
    std::unique_ptr<boost::asio::ip::udp::socket> rtcp;  // waited on by UdpLoop (rare packets)
    boost::asio::ip::udp::endpoint server_rtp, server_rtcp;
  };
  struct ChannelTarget {
    size_t track;
    bool rtcp;
  };

  boost::asio::awaitable<Result<void>> RunOnce();
  boost::asio::awaitable<Result<void>> Connect();
  boost::asio::awaitable<Result<Response>> Exchange(std::string method, std::string uri,
                                                    Headers extra = {});
  boost::asio::awaitable<Result<Response>> ReadResponse(int64_t cseq, const std::string& what);
  boost::asio::awaitable<Result<void>> ReadMore();
  // Paces the TCP reads while playing (SO_RCVLOWAT): see client_media.cc.
  void TuneLowWater(size_t bytes_read);
  void SetLowWater(int bytes);
  static constexpr int kUdpReceiveBuffer = 2 * 1024 * 1024;
  std::chrono::milliseconds UdpPollInterval(const UdpPair& pair) const;
  void MeasureUdpRate(UdpPair& pair, size_t bytes);
  std::chrono::milliseconds TcpReadPace() const;
  // Handles every complete item in the input; returns the response to `cseq` if one came.
  Result<std::optional<Response>> Process(int64_t cseq);
  // Skips junk at the front of the input (resync.h); true once a sync point is at the front,
  // false when more bytes are needed; kMalformed past kMaxResyncBytes.
  Result<bool> Resync(std::span<const uint8_t> data);
  Result<void> OnInterleaved(uint8_t channel, std::span<const uint8_t> payload);
  Result<void> OnRtp(size_t track, std::span<const uint8_t> packet);
  void AnswerServerRequest(const Request& request);

  boost::asio::awaitable<Result<void>> Describe(SdpDescription& sdp, std::string& base);
  boost::asio::awaitable<Result<void>> Setup(const SdpDescription& sdp, const std::string& base);
  boost::asio::awaitable<Result<void>> SetupTracks(const SdpDescription& sdp,
                                                   const std::string& base);
  boost::asio::awaitable<Result<void>> SetupTrack(size_t index);
  Result<void> OpenUdpPair(UdpPair& pair);
  boost::asio::awaitable<Result<void>> Play(const SdpDescription& sdp, const std::string& base);
  boost::asio::awaitable<Result<void>> MediaLoop();

  boost::asio::awaitable<void> Watchdog();
  boost::asio::awaitable<void> Keepalive();
  Result<void> StartUdpPoll();
  bool DrainRtp(size_t track);                         // true once caught up (UdpPoller::DrainFn)
  boost::asio::awaitable<void> UdpLoop(size_t track);  // RTCP
  void SendReports();
  std::string BuildRequest(const std::string& method, const std::string& uri, const Headers& extra);
  // Appends bytes to what the writer sends (nothing once closed) and wakes it.
  void Queue(std::string_view bytes);
  void Kick();
  boost::asio::awaitable<void> WriteLoop();
  Error Fail(ErrorCode code, std::string message);

  boost::asio::any_io_executor executor_;
  const ClientOptions options_;
  ClientHandler& handler_;
  RtspUrl url_;
  std::string request_url_;  // url_ without credentials
  std::optional<Credentials> credentials_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  std::vector<UdpPair> udp_;
  std::map<uint8_t, ChannelTarget> channels_;

  std::vector<uint8_t> in_;  // unparsed input is [in_pos_, in_end_)
  size_t in_pos_ = 0, in_end_ = 0;
  bool resyncing_ = false;        // skipping junk, looking for a sync point
  size_t resync_skipped_ = 0;     // bytes skipped by the current resync
  Clock::time_point read_at_;     // when the last TCP read or UDP poll began
  int low_water_ = 1;             // the socket's SO_RCVLOWAT
  uint64_t low_water_bytes_ = 0;  // read since low_water_since_
  Clock::time_point low_water_since_;
  uint64_t watchdog_bytes_ = 0;          // stats.bytes_received at the watchdog's last tick
  Clock::time_point watchdog_progress_;  // when the watchdog last saw bytes come in
  Clock::time_point held_since_;         // set when the watchdog dropped the mark: see ReadMore
  bool low_latency_ = false;             // see ClientOptions' pacing
  std::string out_, inflight_;
  bool writing_ = false;

  int64_t next_cseq_ = 1;
  std::string challenge_;  // the WWW-Authenticate we answer, empty before any 401
  uint32_t nonce_count_ = 0;
  std::string cnonce_;
  std::optional<std::string> session_id_;
  int session_timeout_secs_ = 60;
  bool use_get_parameter_ = false;
  uint32_t own_ssrc_ = 0;

  TransportKind
      transport_;  // what SETUP asks for: the configured one, or the other after a refusal
  StallDetector stall_;
  bool playing_ = false;
  bool closed_ = false;
  bool stopped_ = false;
  std::optional<Error> failure_;   // why the watchdog or a loop closed the session
  Clock::time_point deadline_;     // the watchdog closes the session when it passes
  std::string waiting_for_;        // what the deadline is for, for the error message
  std::vector<AccessUnit> units_;  // scratch
  static constexpr size_t kMaxEarlyUnits = 256;
  std::vector<std::pair<size_t, AccessUnit>> early_;  // units that came before the PLAY reply
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_CLIENT_SESSION_H_
