// The cameras resource (/api/cameras...): what the HTTP API needs to list, add, change and remove
// cameras. Implemented by app::Cameras; handlers_test uses a fake.
//
// Threading: every method may block (SQLite, stopping a camera's streams); the server calls them
// on its blocking pool, possibly from several threads at once: implementations are thread-safe.
// Errors map to statuses by http::FromError (kInvalidArgument 400, kNotFound 404,
// kAlreadyExists/kFailedPrecondition 409).
#ifndef NIGHTJAR_HTTP_SERVICES_CAMERAS_H_
#define NIGHTJAR_HTTP_SERVICES_CAMERAS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/time.h"
#include "config/camera_config.h"

namespace nightjar::http {

// One camera stream's ingest state (ingest::StreamStats, reduced).
struct StreamInfo {
  std::string kind;   // "main" or "sub"
  std::string url;    // with any password already replaced by "***" (config::RedactUrl)
  std::string state;  // "connecting", "streaming", "backoff", "failed", "stopped"
  Time90k since;      // wall time the state began
  double fps = 0;     // over the last few seconds
  double bitrate_bps = 0;
  uint64_t frames = 0;  // video access units received since start
  uint64_t bytes = 0;   // access-unit bytes received since start
  uint64_t reconnects = 0;
  uint64_t frames_recorded = 0;
  uint64_t frames_shed = 0;
  uint64_t resyncs = 0;          // junk skipped on the interleaved TCP stream
  uint64_t skipped_bytes = 0;    // junk bytes those resyncs skipped
  uint64_t dropped_packets = 0;  // RTP packets dropped as not of the stream (UDP junk, strays)
  std::string transport;         // "tcp" / "udp" in use; empty before the first SETUP
  std::string last_error;        // empty when none
  std::optional<Time90k> last_error_at;
  std::string video_codec;  // RFC 6381, e.g. "avc1.64001f"; empty before the first key frame
  uint32_t width = 0, height = 0;
};

struct CameraInfo {
  config::CameraConfig config;  // secrets included: handlers show it through config::ToApiJson
  bool from_config = false;     // defined in the config file (read-only through the API)
  std::vector<StreamInfo> streams;
};

class CameraService {
 public:
  virtual ~CameraService() = default;

  virtual Result<std::vector<CameraInfo>> List() = 0;
  // `camera` is complete (config::FinishApiCamera). kInvalidArgument, or kAlreadyExists for a
  // taken id. The camera is recording (or connecting) and persisted when this returns.
  virtual Result<void> Add(const config::CameraConfig& camera) = 0;
  // Stops the camera's streams and forgets it; its recordings stay (retention removes them).
  // kNotFound for an unknown id.
  virtual Result<void> Remove(std::string_view id) = 0;
  // Changes camera `id`: `change` edits a copy of its whole current configuration while the
  // service holds its camera lock, so concurrent changes apply one after the other, each on the
  // result of the last; an error from `change` aborts with that error. The result is validated
  // and persisted. Name and retention apply in place; anything its connections depend on
  // (config::SameConnections) restarts the camera's streams, and the result says so (true).
  // kNotFound for an unknown id; kFailedPrecondition for a camera of the config file.
  using Change = std::function<Result<void>(config::CameraConfig&)>;
  virtual Result<bool> Update(std::string_view id, const Change& change) = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_CAMERAS_H_
