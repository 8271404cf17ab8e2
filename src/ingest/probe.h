// "Test connection": one short RTSP session with our own client (rtsp::Client, the one the
// streamers record with) that stops at the first key frame and says what the camera sends —
// codec, profile, resolution and frame rate (from the SPS; the frame rate from the first
// frames' timestamps when the SPS has no timing), audio, the transport used and the time to
// the first frame — or, on failure, why in plain words (DescribeProbeFailure).
//
// A probe is bounded: ProbeOptions::budget from the start to the first key frame (8 s), each
// RTSP step by the client's own timeout, and a short window after the key frame to time a few
// frames. Prober bounds how many run at once.
//
// Threading: each probe runs on a strand of the io_context as a coroutine (it never blocks a
// thread); Prober::Start may be called from any thread, and the done callback is called once,
// on the probe's strand. Passwords never appear in a ProbeFailure (the client's messages name
// only host, port and methods) nor in logs: this module logs nothing.
#ifndef NIGHTJAR_INGEST_PROBE_H_
#define NIGHTJAR_INGEST_PROBE_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/error.h"
#include "rtsp/client.h"

namespace nightjar::ingest {

struct ProbeOptions {
  rtsp::ClientOptions client;  // url, credentials, transport; client.timeout bounds each step
  // From the start to the first key frame; past it the probe fails (no_video or timeout).
  std::chrono::milliseconds budget{8000};
  // After the key frame: frames timed for the frame rate when the SPS has none, for at most
  // fps_window.
  int fps_frames = 10;
  std::chrono::milliseconds fps_window{1500};
};

struct ProbeVideo {
  std::string codec;    // "H.264" / "H.265"
  std::string rfc6381;  // "avc1.640028"
  std::string profile;  // "High", "Main", ... ("" when unknown)
  uint32_t width = 0, height = 0;
  double fps = 0;          // 0: unknown
  std::string fps_source;  // "sps", "timestamps" or "" (unknown)
};

struct ProbeAudio {
  std::string codec;    // "AAC", "G.711 µ-law", "G.711 A-law"
  std::string rfc6381;  // "mp4a.40.2", "ulaw", "alaw"
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
};

struct ProbeReport {
  ProbeVideo video;
  std::optional<ProbeAudio> audio;
  std::string transport;  // "tcp" / "udp": what SETUP used
  int64_t first_frame_ms = 0;
};

// Why a probe failed: a stable code for programs and a sentence for people.
//   wrong_credentials  the camera refused the username and password (401 after answering)
//   auth_required      the camera wants a username and password and none was given
//   unreachable        cannot resolve the host, connection refused, no route, or timed out
//   not_rtsp           something answered that does not speak RTSP
//   stream_not_found   404 on DESCRIBE: no stream at this path
//   unsupported_codec  no H.264 / H.265 video (the message names what the camera offers)
//   no_video           the session played but no key frame came within the budget
//   timeout            the camera stopped answering part-way through the RTSP exchange
//   camera_error       any other refusal (the status is in `detail`)
struct ProbeFailure {
  std::string code;
  std::string message;
  std::string detail;  // the client's own error, printable ASCII, at most 300 characters
};

struct ProbeOutcome {
  std::optional<ProbeReport> report;  // exactly one of the two is set
  std::optional<ProbeFailure> failure;
};

// Maps the client's error to a ProbeFailure. `playing`: the session had reached PLAY.
ProbeFailure DescribeProbeFailure(const Error& error, bool playing);
// The probe ran out of budget before a key frame (the client had not failed).
ProbeFailure BudgetFailure(bool playing, std::chrono::milliseconds budget);

// What a decoder configuration says (SPS parsed from the avcC / hvcC). Pure functions.
ProbeVideo DescribeVideo(const rtsp::TrackConfig& config);
ProbeAudio DescribeAudio(const rtsp::TrackConfig& config);
// "High" for profile_idc 100 (H.264 Annex A.2; constraint_set1 makes 66 "Constrained Baseline").
std::string H264ProfileName(uint8_t profile_idc, uint8_t constraint_flags);
// "Main" for general_profile_idc 1 (H.265 Annex A.3).
std::string H265ProfileName(uint8_t general_profile_idc);
// Frame rate from presentation timestamps (90 kHz) of consecutive frames in any order (B-frames
// reorder them): (n - 1) frames over their span; 0 for fewer than two or a zero span.
double FpsFromTimestamps(std::span<const int64_t> timestamps, uint32_t clock_rate);
// Printable ASCII only, at most 300 characters (errors may quote what a camera sent).
std::string PrintableReason(std::string why);

class Prober {
 public:
  // `io` outlives the Prober and every probe it started.
  Prober(boost::asio::io_context& io, size_t max_concurrent);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Starts a probe; `done` gets its outcome, once, on the probe's strand (it must not block).
  // kFailedPrecondition when max_concurrent probes run already (nothing started).
  Result<void> Start(ProbeOptions options, std::function<void(ProbeOutcome)> done);
  size_t active() const;

 private:
  struct Shared;
  boost::asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_PROBE_H_
