// Connection probes (POST /api/cameras/probe, "test connection"): what a camera URL serves,
// tried before the camera is saved. Implemented by app::Probes (ingest::Prober underneath);
// handlers_test uses a fake.
//
// A probe runs without holding a thread: Start returns a handle at once, which is a Waiter the
// handler returns (Response::Wait); the server runs the handler again when the handle wakes and
// the handler reads the result from it (Request::waited).
//
// Threading: Start may block briefly (it reads a stored camera's configuration); thread-safe.
#ifndef NIGHTJAR_HTTP_SERVICES_PROBE_H_
#define NIGHTJAR_HTTP_SERVICES_PROBE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "http/body_source.h"

namespace nightjar::http {

// What to probe. With `camera`, that camera's stored configuration (its credentials above all:
// the API never shows them) is the base and the fields given here replace its own.
struct ProbeTarget {
  std::optional<std::string> camera;  // an existing camera's id
  std::string stream = "main";        // "main" or "sub": which of its URLs, with `camera`
  std::optional<std::string> url;     // rtsp://, validated as the camera add path does
  std::optional<std::string> username, password;
  std::optional<std::string> transport;  // "tcp" / "udp"
};

// The outcome: `ok` with the stream's description, or an error code and a sentence (the codes
// are ingest::ProbeFailure's).
struct ProbeResult {
  bool ok = false;
  std::string error, message, detail;  // when !ok
  std::string video_codec, video_rfc6381, profile;
  uint32_t width = 0, height = 0;
  double fps = 0;
  std::string fps_source;
  bool has_audio = false;
  std::string audio_codec, audio_rfc6381;
  uint32_t audio_sample_rate = 0, audio_channels = 0;
  std::string transport;
  int64_t first_frame_ms = 0;
};

class ProbeHandle : public Waiter {
 public:
  // The result once the probe ended; nullopt before.
  virtual std::optional<ProbeResult> result() const = 0;
};

class ProbeService {
 public:
  virtual ~ProbeService() = default;
  // Starts a probe. kInvalidArgument (a bad URL or field, naming it), kNotFound (no such
  // camera), kFailedPrecondition (too many probes running: try again shortly).
  virtual Result<std::shared_ptr<ProbeHandle>> Start(const ProbeTarget& target) = 0;
  // How long a probe may take at most, end to end (the handler's wait bound).
  virtual int max_duration_ms() const = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_PROBE_H_
