// What runs cameras, as the application layer sees it: start, stop, re-tune and observe them.
// ingest::Supervisor is the real one; app's unit tests use a fake, so camera management is
// tested without a network.
//
// Threading: Add, Remove and UpdateSettings may block (database work, waiting for streamers to
// finalize); call them off the io_context's threads. The rest may be called from any thread.
#ifndef NIGHTJAR_INGEST_CAMERA_RUNNER_H_
#define NIGHTJAR_INGEST_CAMERA_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "db/rows.h"
#include "ingest/camera_config.h"
#include "ingest/stream_stats.h"
#include "media/frame.h"

namespace nightjar::ingest {

class CameraRunner {
 public:
  virtual ~CameraRunner() = default;
  // Creates (or reuses) the camera's database rows and starts its streams. kAlreadyExists if a
  // camera with this id runs; kInvalidArgument for an invalid configuration.
  virtual Result<void> AddCamera(const CameraConfig& camera) = 0;
  // Stops the camera's streams, finalizing their recordings; its recordings stay. kNotFound.
  virtual Result<void> RemoveCamera(const std::string& id) = 0;
  // Replaces a running camera's name and retention without touching its streams. kNotFound;
  // kInvalidArgument when its connections differ (config::SameConnections).
  virtual Result<void> UpdateSettings(const CameraConfig& camera) = 0;
  virtual std::vector<CameraConfig> cameras() const = 0;
  virtual std::vector<StreamStats> Stats() const = 0;
  // Adds a frame observer to a running camera's stream; false when there is no such stream.
  virtual bool AddObserver(const std::string& camera, db::StreamKind kind,
                           std::shared_ptr<media::FrameObserver> observer) = 0;
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_CAMERA_RUNNER_H_
