// What the supervisor runs: cameras (config::CameraConfig) and how streams back off.
#ifndef NIGHTJAR_INGEST_CAMERA_CONFIG_H_
#define NIGHTJAR_INGEST_CAMERA_CONFIG_H_

#include <chrono>
#include <cstdint>

#include "config/camera_config.h"

namespace nightjar::ingest {

// A camera as the config file, the API and the database describe it (config/camera_config.h).
using config::CameraConfig;

struct BackoffOptions {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{30000};
  // A session that delivered frames for this long resets the backoff.
  std::chrono::milliseconds healthy_after{30000};
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_CAMERA_CONFIG_H_
