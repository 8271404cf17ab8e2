// Internal to the RTSP server: the shared server state and one client connection with its
// (single) RTSP session. Not part of the module's public interface.
#ifndef NIGHTJAR_RTSP_SERVER_CONNECTION_H_
#define NIGHTJAR_RTSP_SERVER_CONNECTION_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "rtsp/message.h"
#include "rtsp/server.h"

namespace nightjar::rtsp {

class Connection;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(boost::asio::io_context& io, ServerOptions options,
       std::shared_ptr<const StreamResolver> resolver);
  boost::asio::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self);
  void Stop();
  ServerStats Stats() const;

  boost::asio::io_context& io;
  const ServerOptions options;
  const std::shared_ptr<const StreamResolver> resolver;
  boost::asio::ip::tcp::acceptor acceptor;
  std::atomic<bool> stopped{false};
  std::atomic<uint64_t> accepted{0}, playing{0}, packets{0}, bytes{0};
  std::mutex mu;  // guards connections and fault_anchors
  std::vector<std::weak_ptr<Connection>> connections;
  // Camera-wide faults (stall_scope=camera): the first PLAY of each stream path + query, which
  // their times count from, for every connection.
  std::map<std::string, SteadyTime> fault_anchors;
  SteadyTime FaultAnchor(const std::string& key, SteadyTime now);
};

// Transport-level faults a test asks for in the URL's query (docs/ARCHITECTURE.md, fakecam).
// Times are seconds after PLAY. Implemented in server_faults.cc.
struct TransportFaults {
  std::optional<double> drop_after;   // close the connection this many seconds after PLAY
  std::optional<double> stall_after;  // stop sending media for `stall_for` seconds
  double stall_for = 5;
  // "camera": the stall counts from the first PLAY of this URL on the server and holds back every
  // connection playing it during the stall, new ones too (a hung encoder); else per connection.
  bool stall_camera_wide = false;
  std::optional<double> garbage_after;  // write `garbage_bytes` random non-RTSP bytes once
  size_t garbage_bytes = 4096;
  // Every `junk_every` seconds a few random bytes between interleaved frames (TCP), or a junk
  // datagram to the client's RTP port (UDP): flaky firmware.
  std::optional<double> junk_every;
  // 1: answer SETUP over TCP with 461 Unsupported Transport; 2: and close the connection.
  int refuse_tcp = 0;
  // New SSRC, sequence number and timestamp base on every track, once (an encoder restart).
  std::optional<double> ssrc_change_after;
  static TransportFaults FromQuery(const QueryParams& query);
};

// One TCP connection and its RTSP session. All members are used only on the socket's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::Impl> server, boost::asio::ip::tcp::socket socket);
  ~Connection();
  void Start();
  // Closes the connection from any thread.
  void Shutdown();

 private:
  struct Track {
    bool setup = false;
    bool tcp = true;
    int rtp_channel = 0, rtcp_channel = 1;
    std::unique_ptr<boost::asio::ip::udp::socket> rtp_socket, rtcp_socket;
    boost::asio::ip::udp::endpoint client_rtp, client_rtcp;
    uint16_t sequence = 0;
    uint32_t ssrc = 0;
    uint32_t timestamp_base = 0;
    uint32_t packet_count = 0, octet_count = 0;
  };

  boost::asio::awaitable<void> ReadLoop();
  boost::asio::awaitable<void> StreamLoop();
  boost::asio::awaitable<void> WriteLoop();
  boost::asio::awaitable<void> IdleWatchdog();
  boost::asio::awaitable<void> DrainUdp(boost::asio::ip::udp::socket& socket);

  Response Handle(const Request& request);
  Response HandleDescribe(const Request& request, Response response);
  Response HandleSetup(const Request& request, Response response);
  Response HandlePlay(const Request& request, Response response);
  Result<void> SetupUdp(Track& track, std::pair<int, int> client_ports);

  // Appends to the send buffer; Kick starts the writer coroutine if it is idle.
  void Queue(std::string_view bytes);
  void Kick();
  void SendPacket(size_t track, const OutgoingPacket& packet);
  // ServerOptions::udp_gso: appends the datagram to the pending run, sending the run first if
  // the datagram cannot join it; FlushGso sends the run.
  void QueueGso(size_t track, std::span<const uint8_t> header, std::span<const uint8_t> payload);
  void FlushGso();
  void SendSenderReports(SteadyTime now);
  // `tcp_bytes` stray bytes into the interleaved stream, a datagram of `udp_bytes` to each UDP
  // track's RTP port.
  void SendStray(size_t tcp_bytes, size_t udp_bytes);
  void SendGarbage(size_t bytes);
  void SendJunk();
  void ChangeSsrc();
  void Close();

  std::shared_ptr<Server::Impl> server_;
  boost::asio::ip::tcp::socket socket_;
  std::string nonce_;
  std::string session_id_;
  std::string content_base_;  // absolute URL of the described stream, with a trailing '/'
  QueryParams query_;
  std::shared_ptr<const StreamSource> source_;
  std::vector<Track> tracks_;
  std::unique_ptr<StreamPlayer> player_;
  bool playing_ = false;
  bool closed_ = false;
  bool close_after_flush_ = false;
  bool writing_ = false;
  SteadyTime last_activity_;
  std::vector<uint8_t> out_, inflight_;
  std::vector<OutgoingPacket> scratch_;
  // The pending GSO run: datagrams of gso_segment_ bytes (the last may be shorter, which ends
  // the run) to track gso_track_.
  std::vector<uint8_t> gso_run_;
  size_t gso_track_ = 0, gso_segment_ = 0, gso_count_ = 0;
  bool gso_ended_ = false;
  std::mt19937 rng_;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_SERVER_CONNECTION_H_
