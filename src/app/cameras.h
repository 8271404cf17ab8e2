// The cameras service (http::CameraService): adds, changes and removes cameras at run time, with
// rollback when a restart fails, and keeps the API's cameras in the CameraStore so they survive
// restarts. Cameras of the config file run too but are read-only here (the file owns them).
//
// Whatever must follow a camera's streams (the live buffers, soon motion detection) registers a
// CameraListener and is told after a camera's streams start and before they stop.
//
// Threading: every method may block (the runner's database work, streams finalizing); thread-safe:
// changes are serialized by one lock, so each applies to the result of the last.
#ifndef NIGHTJAR_APP_CAMERAS_H_
#define NIGHTJAR_APP_CAMERAS_H_

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/camera_store.h"
#include "http/services/cameras.h"
#include "ingest/camera_runner.h"

namespace nightjar::app {

class CameraListener {
 public:
  virtual ~CameraListener() = default;
  virtual void OnCameraStarted(const config::CameraConfig& camera) = 0;
  virtual void OnCameraStopping(const std::string& id) = 0;
};

class Cameras final : public http::CameraService {
 public:
  // `runner`, `store` and the listeners outlive the service.
  Cameras(ingest::CameraRunner& runner, CameraStore& store) : runner_(runner), store_(store) {}

  // Before Start: listeners are not synchronized with changes.
  void AddListener(CameraListener* listener) { listeners_.push_back(listener); }

  // Starts the config file's cameras, then those added through the API in earlier runs (the
  // file wins for an id both name). Returns the config file's cameras that could not start
  // ("cam1: ..."); API cameras that cannot start are logged and skipped.
  std::vector<std::string> Start(const std::vector<config::CameraConfig>& from_config);
  // Tells the listeners every camera stops (shutdown), before the runner stops them.
  void StopAll();

  Result<std::vector<http::CameraInfo>> List() override;
  Result<void> Add(const config::CameraConfig& camera) override;
  Result<void> Remove(std::string_view id) override;
  Result<bool> Update(std::string_view id, const Change& change) override;

 private:
  std::optional<config::CameraConfig> Running(std::string_view id) const;
  Result<void> StartCamera(const config::CameraConfig& c);  // runner + listeners
  Result<void> StopCamera(const std::string& id);

  ingest::CameraRunner& runner_;
  CameraStore& store_;
  std::vector<CameraListener*> listeners_;
  std::mutex mu_;                     // one change (add, update, remove) at a time
  std::set<std::string> config_ids_;  // cameras of the config file (read-only here)
};

// A stream's statistics as the API shows them.
http::StreamInfo StreamInfoOf(const ingest::StreamStats& s, const std::string& url);

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_CAMERAS_H_
