// An RTSP/1.0 client session on Boost.Asio (RFC 2326; RFC 7826 where cameras borrow from it):
// OPTIONS, DESCRIBE, SETUP of every recordable track, PLAY, keepalives, TEARDOWN; Basic and
// Digest authentication; RTP over TCP interleaving (§10.12) or UDP unicast; redirects; RTCP
// sender reports in, receiver reports out. Access units come out through a handler.
//
// Every read has a size limit (ParseLimits) and a deadline: connecting, each reply, and the media
// itself (no RTP for `timeout` ends the session). Nothing here retries: a session runs until it
// fails or is stopped, and the caller (ingest's streamer) decides when to reconnect.
//
// Threading: a Client lives on one executor (its stream's strand); Run, Stop and the handler's
// callbacks all happen there. The caller keeps the Client alive until Run's coroutine finishes.
#ifndef NIGHTJAR_RTSP_CLIENT_H_
#define NIGHTJAR_RTSP_CLIENT_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "rtsp/auth.h"
#include "rtsp/depacketizer.h"
#include "rtsp/sdp.h"
#include "rtsp/track_receiver.h"

namespace nightjar::rtsp {

enum class TransportKind { kTcp, kUdp };

struct ClientOptions {
  std::string url;  // rtsp://[user:password@]host[:port]/path
  // Overrides credentials in the URL when set.
  std::optional<Credentials> credentials;
  // The transport tried first; a camera that refuses it in SETUP is tried with the other.
  TransportKind transport = TransportKind::kTcp;
  // Deadline for connecting, for each reply, and for media silence while playing.
  std::chrono::milliseconds timeout{10000};
  bool want_audio = true;
  size_t reorder_capacity = 64;  // UDP packets held while waiting for a missing one
  // Pacing (client_media.cc): how long received media may wait in the kernel before the session
  // reads it. Short while the stream is watched live (`low_latency`, changed later by
  // Client::SetLowLatency); a stream that is only recorded is read in fewer, larger batches,
  // which costs less CPU per frame and adds nothing a recording notices (frames keep their RTP
  // times; the wall clock follows them within kMaxDriftPpm).
  bool low_latency = false;
  // How often RTP sockets are read over UDP; ticks fall on a grid shared by every session of the
  // process, so they wake the I/O thread together.
  std::chrono::milliseconds udp_poll_interval{20};  // low latency
  // Otherwise: this, or half of it for a stream whose rate the receive buffer cannot hold this
  // long with room to spare, or udp_poll_interval (RecordingPollInterval, udp_poller.h).
  std::chrono::milliseconds udp_poll_interval_recording{200};
  // About how much of the stream a TCP read waits for (SO_RCVLOWAT, from the measured rate; 0:
  // none, every byte is read as it comes).
  std::chrono::milliseconds tcp_read_pace{0};              // low latency
  std::chrono::milliseconds tcp_read_pace_recording{250};  // otherwise
  int max_redirects = 3;
  std::string user_agent = "Nightjar/0.1";
};

// A track the session set up.
struct ClientTrack {
  SdpMediaDescription media;
  std::string setup_url;
  std::optional<TrackConfig> config;  // known from the SDP (video may learn it in-band later)
};

struct ClientStats {
  uint64_t bytes_received = 0;  // everything read from the sockets
  uint64_t rtsp_messages = 0;
  uint64_t unassigned_channel_frames = 0;  // interleaved data on channels we never set up
  uint64_t malformed_rtcp = 0;
  uint64_t resyncs = 0;        // junk skipped on the TCP stream until a frame (resync.h)
  uint64_t skipped_bytes = 0;  // junk bytes skipped by resyncs
};

// Receives what the session produces. Called on the client's executor; must not block.
class ClientHandler {
 public:
  virtual ~ClientHandler() = default;
  // PLAY succeeded; `tracks` are the tracks set up, indexed as OnAccessUnit's `track`.
  virtual void OnPlaying(const std::vector<ClientTrack>& tracks) = 0;
  virtual void OnAccessUnit(size_t track, AccessUnit&& unit) = 0;
};

class Client {
 public:
  Client(const boost::asio::any_io_executor& executor, ClientOptions options,
         ClientHandler& handler);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs the session to its end: an Error saying why (kTimeout, kClosed, kMalformed,
  // kPermissionDenied, kUnsupported, kNotFound, kAborted after Stop). Call once.
  boost::asio::awaitable<Result<void>> Run();

  // Ends the session: sockets close, Run returns kAborted. Sends TEARDOWN first when
  // `teardown` and the session is playing (best effort, bounded by a short deadline).
  void Stop();

  // Whether media should reach the handler with low latency (someone watches the stream live) or
  // may be read in larger batches (ClientOptions' pacing). Call on the client's executor; takes
  // effect at once, and holds for the rest of the session.
  void SetLowLatency(bool on);

  const ClientStats& stats() const;
  // The transport SETUP used: options.transport, or the other one when the camera refused it
  // (461 Unsupported Transport or another SETUP failure; the session then tries the other).
  TransportKind transport() const;
  // Per-track receive statistics and the sender clocks (empty before PLAY).
  std::vector<TrackStats> track_stats() const;
  std::vector<std::optional<SenderClock>> sender_clocks() const;

 private:
  class Session;
  std::shared_ptr<Session> session_;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_CLIENT_H_
