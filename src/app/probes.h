// The connection-probe service (http::ProbeService): turns a probe request into the client
// options a camera would record with (ingest::ClientOptionsFor), the URL and credentials
// checked by the camera codec exactly as when a camera is added, and runs it on an
// ingest::Prober (at most kMaxConcurrent at once, each bounded by kBudget).
//
// A probe of an existing camera uses its stored configuration (credentials included, which the
// API never shows) with the request's fields on top: the edit form can test a changed URL
// without asking for the password again. Whoever may manage a camera may already point it at
// another URL, so this gives its credentials to no one new.
//
// Threading: Start is thread-safe and does not wait for the probe; handles are woken from the
// io_context's threads.
#ifndef NIGHTJAR_APP_PROBES_H_
#define NIGHTJAR_APP_PROBES_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "http/services/probe.h"
#include "ingest/camera_runner.h"
#include "ingest/probe.h"

namespace nightjar::app {

class Probes final : public http::ProbeService {
 public:
  static constexpr size_t kMaxConcurrent = 4;
  static constexpr std::chrono::milliseconds kBudget{8000};
  // Each RTSP step (connecting, each reply) at most this long: shorter than the budget, so that
  // a host that never answers is reported as unreachable (timed out), not as a slow camera.
  static constexpr std::chrono::milliseconds kMaxStep{5000};

  // `io` and `runner` outlive the service and its probes. `step_timeout` bounds each RTSP
  // exchange (the daemon's rtsp timeout, at most kMaxStep).
  Probes(boost::asio::io_context& io, ingest::CameraRunner& runner,
         std::chrono::milliseconds step_timeout);

  Result<std::shared_ptr<http::ProbeHandle>> Start(const http::ProbeTarget& target) override;
  int max_duration_ms() const override;

 private:
  ingest::CameraRunner& runner_;
  const std::chrono::milliseconds step_timeout_;
  ingest::Prober prober_;
};

// An outcome as the API shows it.
http::ProbeResult ProbeResultOf(const ingest::ProbeOutcome& outcome);

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_PROBES_H_
