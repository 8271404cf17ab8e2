// The live service (http::LiveService): one live::LiveStream per running camera stream, attached
// to its streamer as a frame observer when the camera starts (CameraListener) and ended when it
// stops, so viewers' feeds and waiting playlist requests end with it. Snapshots decode the
// latest key frame (decode module).
//
// Threading: Live() is thread-safe and does not block; the listener callbacks come from the
// cameras service under its lock.
#ifndef NIGHTJAR_APP_LIVE_H_
#define NIGHTJAR_APP_LIVE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "app/cameras.h"
#include "base/clock.h"
#include "http/services/live.h"
#include "ingest/camera_runner.h"
#include "live/live_stream.h"

namespace nightjar::app {

class LiveViews final : public http::LiveService, public CameraListener {
 public:
  // `runner` and `clock` outlive the service.
  LiveViews(ingest::CameraRunner& runner, const Clock& clock) : runner_(runner), clock_(clock) {}

  Result<std::shared_ptr<http::LiveView>> Live(std::string_view camera,
                                               std::string_view stream) override;

  void OnCameraStarted(const config::CameraConfig& camera) override;
  void OnCameraStopping(const std::string& id) override;
  // Ends every live stream (shutdown: viewers' feeds and waiting requests end now).
  void EndAll();

 private:
  ingest::CameraRunner& runner_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<live::LiveStream>> streams_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_LIVE_H_
