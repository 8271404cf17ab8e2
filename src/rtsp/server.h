// An RTSP/1.0 server (RFC 2326) on Boost.Asio: accepts connections, answers OPTIONS, DESCRIBE,
// SETUP, PLAY, GET_PARAMETER, SET_PARAMETER and TEARDOWN, authenticates (Basic or Digest), and
// streams RTP over TCP (interleaved, §10.12) or UDP unicast, with RTCP sender reports.
//
// What is streamed comes from a StreamResolver (URL path -> StreamSource); the server knows
// nothing of clips or cameras. It is the engine of `nightjar fakecam`.
//
// Threading: everything runs on the io_context given at construction; each connection runs on a
// strand of its own, so the io_context may be run by several threads.
#ifndef NIGHTJAR_RTSP_SERVER_H_
#define NIGHTJAR_RTSP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "rtsp/auth.h"
#include "rtsp/sdp.h"

namespace nightjar::rtsp {

using SteadyTime = std::chrono::steady_clock::time_point;
using QueryParams = std::map<std::string, std::string>;

struct ServerTrack {
  SdpMedia sdp;         // its control is replaced by "trackID=<index>"
  uint32_t clock_rate;  // RTP clock (90000 for video, the sample rate for audio)
};

struct OutgoingPacket {
  size_t track;
  std::span<const uint8_t> payload;  // valid until the next Poll
  uint32_t timestamp;                // RTP timestamp (the player adds its random base)
  bool marker;
};

// Produces one session's packets in real time. Used only on that session's strand.
class StreamPlayer {
 public:
  virtual ~StreamPlayer() = default;
  // Appends every packet due at or before `now` to `out` and returns when the next one is due.
  virtual SteadyTime Poll(SteadyTime now, std::vector<OutgoingPacket>& out) = 0;
  // Forgets packets due before `now` (a camera that stalled does not send the backlog).
  virtual void SkipTo(SteadyTime now) = 0;
  // The RTP timestamp `track` would carry at `now` (RTCP sender reports, RTP-Info).
  virtual uint32_t RtpTimeAt(size_t track, SteadyTime now) const = 0;
};

// One streamable URL path. Thread-safe: shared by all sessions.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual const std::vector<ServerTrack>& Tracks() const = 0;
  // A player for the tracks in `tracks` (indices into Tracks()), starting at `start`. `query`
  // holds the request URL's query parameters (fault injection, see docs).
  virtual std::unique_ptr<StreamPlayer> Play(SteadyTime start, std::vector<size_t> tracks,
                                             const QueryParams& query) const = 0;
};

class StreamResolver {
 public:
  virtual ~StreamResolver() = default;
  // The source for a URL path such as "/cam1/main", or nullptr (404).
  virtual std::shared_ptr<const StreamSource> Resolve(std::string_view path) const = 0;
};

struct ServerOptions {
  boost::asio::ip::tcp::endpoint endpoint{boost::asio::ip::address_v4::loopback(), 8554};
  AuthMode auth = AuthMode::kNone;
  Credentials credentials;
  std::string realm = "Nightjar";
  // Advertised in the Session header; a session with no traffic from the client for this long
  // plus 10 s is closed (RFC 2326 §12.37).
  int session_timeout_secs = 60;
  size_t max_connections = 4096;
  // A client that lets this much unsent data pile up is disconnected.
  size_t max_send_backlog = 32 << 20;
  // RTP over UDP: the packets of one track that are due together and of one size (an FU-A run;
  // the last may be shorter) leave in one sendmsg as a UDP_SEGMENT (GSO) super-datagram (Linux
  // >= 4.18; at most 64 segments, 60 KiB). The network still carries one datagram per packet;
  // on loopback a receiver that asked for UDP_GRO gets them as one buffer, as a NIC's receive
  // offload would hand it a burst of one flow, and any other receiver one by one.
  bool udp_gso = false;
};

// Counters for benchmarks and tests; read with Stats() from any thread.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t sessions_playing = 0;
  uint64_t rtp_packets_sent = 0;
  uint64_t rtp_bytes_sent = 0;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options,
         std::shared_ptr<const StreamResolver> resolver);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Fails with kIo (and the OS reason) if the port is taken.
  Result<void> Start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Stops accepting and closes every connection; safe to call from any thread.
  void Stop();
  ServerStats Stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Splits "rtsp://host:port/cam1/main?x=1" into path "/cam1/main" and its query parameters.
struct ParsedUrl {
  std::string path;
  QueryParams query;
};
ParsedUrl SplitRequestUrl(std::string_view url);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_SERVER_H_
