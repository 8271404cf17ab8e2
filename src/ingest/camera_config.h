// What a camera is, as the config file or the API describes it: the input of the supervisor.
#ifndef NIGHTJAR_INGEST_CAMERA_CONFIG_H_
#define NIGHTJAR_INGEST_CAMERA_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "rtsp/client.h"

namespace nightjar::ingest {

struct CameraConfig {
  std::string id;    // short name: "cam1" (URL paths, CLI --camera)
  std::string name;  // display name
  std::string url;   // main stream
  std::optional<std::string> sub_url;
  std::optional<std::string> username, password;  // override credentials in the URLs
  rtsp::TransportKind transport = rtsp::TransportKind::kTcp;
  bool record = true;  // false: live view only
  bool audio = true;   // record the audio track when the camera has one
  // Per-stream retention budgets; nullopt: the supervisor's share of the total budget.
  std::optional<int64_t> retain_bytes;
  std::optional<int64_t> retain_days;
  int max_reconnect_attempts = 0;  // 0: forever
};

struct BackoffOptions {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{30000};
  // A session that delivered frames for this long resets the backoff.
  std::chrono::milliseconds healthy_after{30000};
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_CAMERA_CONFIG_H_
